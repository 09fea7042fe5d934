"""Helpers of the account lifecycle tests: AAF-like people, PDF reading, signing in."""

from __future__ import annotations

import io
import re

from django.contrib.auth.hashers import make_password
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from ent.directory.models import Enrolment, ExternalId, Membership, Profile, Source, User

PASSWORD = "secret-Passw0rd!"
# Long and varied enough for the CNIL policy the login service configures.
NEW_PASSWORD = "Kangourou-Violet-Pluie-2024!"
CODE = re.compile(r"\b([A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4})\b")


def french(msgid: str) -> str:
    with translation.override("fr"):
        return gettext(msgid)


def aaf_pupil(cast, login: str, first: str, last: str, school_class=None) -> User:
    """A pupil as the AAF feed creates them: no usable password, an AAF joint key, a class."""
    person = User.objects.create(
        login=login,
        login_base=login,
        first_name=first,
        last_name=last,
        password=make_password(None),
    )
    ExternalId.objects.create(person=person, source=Source.AAF, value=f"aaf-{login}")
    Membership.objects.create(
        person=person, school=cast.school, profile=Profile.ELV, source=Source.AAF
    )
    Enrolment.objects.create(pupil=person, school_class=school_class or cast.school_class)
    return person


def pdf_pages(content: bytes) -> list[str]:
    """Return the text of each page of a PDF."""
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages]


def pdf_links(content: bytes) -> list[str]:
    """Return the URI of every link annotation of a PDF, in page order."""
    links = []
    for page in PdfReader(io.BytesIO(content)).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action and "/URI" in action:
                links.append(str(action["/URI"]))
    return links


def sign_in(client, person, password=PASSWORD):
    """Sign in through the real login page (so that a tracked session is opened)."""
    return client.post(reverse("identity:login"), {"username": person.login, "password": password})


def activate(client, login: str, code: str, password: str = NEW_PASSWORD, charter=True):
    data = {"login": login, "code": code, "password": password, "password_again": password}
    if charter:
        data["charter"] = "on"
    return client.post(reverse("identity:activate"), data)
