"""The cross-cutting acceptance scenarios of spec-context §7 (1, 2, 5, 6, 12, 16), with its people.

Scenario 10 (external account), 14 (connector approval) and 20 (SMS and personalisation) are
proven by the back-office, portal and notification tests.
"""

from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import NoReverseMatch, Resolver404, get_resolver, resolve, reverse

from ent.directory.models import (
    Enrolment,
    HeadTeacher,
    Membership,
    Profile,
    Source,
    TeachingAssignment,
    User,
)
from ent.rights.actions import grant_service
from ent.rights.queries import effective_rights, services_for
from ent.rights.registry import Level
from ent.rights.testing import walk
from ent.rights.tests.factories import new_school, person_in, pupil_in

pytestmark = pytest.mark.django_db

LESSON_LOG = "gate_lesson_log"
PARTNER_SPACE = "gate_partner_space"
TEACHER_TOOL = "gate_teacher_tool"
CLASS_VIEW = "gate_class_view"
PROBLEM = "application/problem+json"
CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


class _Page(HTMLParser):
    """The parts of a page the scenarios look at: the context switch and the launcher."""

    def __init__(self) -> None:
        super().__init__()
        self.contexts: list[str] = []
        self.current_context = ""
        self.services: set[str] = set()
        self._in_context = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("data-service"):
            self.services.add(str(values["data-service"]))
        if tag == "select":
            self._in_context = values.get("id") == "context-school"
        elif tag == "option" and self._in_context:
            self.contexts.append(str(values.get("value")))
            if "selected" in values:
                self.current_context = str(values.get("value"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._in_context = False


def page_of(response: Any) -> _Page:
    page = _Page()
    page.feed(response.content.decode())
    return page


def text_of(response: Any) -> str:
    return str(response.content.decode())


def school_page_url(school: Any) -> str:
    """Reverse the public page of `school`, whatever the key its URL names it by."""
    for args in ([school.uai], [school.pk]):
        try:
            return reverse("portal:school-page", args=args)
        except NoReverseMatch:
            continue
    raise AssertionError("portal:school-page is not routed")


def addressbook_search(client: Any, query: str) -> Any:
    """Search the white pages by name, as the search form of /annuaire/ does."""
    response = client.get(reverse("addressbook:index"), {"name": query})
    assert response.status_code == 200
    return response


def codes(person: Any, school: Any = None) -> set[str]:
    return {access.code for access in services_for(person, school)}


# Scenario 1 ------------------------------------------------------------------------------------


@pytest.mark.sdet("SOC-SEC-AUT-01", "SOC-SEC-AUT-02", "SOC-POR-PPO-04", "UTI-IDO-PBL-03")
def test_scenario_01_teacher_in_x_and_parent_in_y_keeps_each_role_in_its_school(client, gate_world):
    cast = gate_world.cast
    dupont, x, y = cast.teacher, cast.school, cast.other_school
    rights = effective_rights(dupont)
    assert rights.profiles_in(x) == {Profile.ENS}
    assert rights.profiles_in(y) == {Profile.TUT}
    assert rights.level(LESSON_LOG, school=x) == Level.USE
    # In Y she is Martin's mother: read-only, and her teacher role gives no write there.
    assert rights.level(LESSON_LOG, school=y) == Level.READ
    assert rights.via(LESSON_LOG, school=y) == {Profile.TUT}
    assert not rights.has(TEACHER_TOOL, school=y)

    client.force_login(dupont)
    home = client.get("/")
    assert home.status_code == 200
    assert {str(x.pk), str(y.pk)} <= set(page_of(home).contexts)
    me = client.get("/api/v1/me")
    assert me.status_code == 200
    assert x.uai in text_of(me)
    assert y.uai in text_of(me)

    # White pages: Martin's teacher in 6eB, yes; another 6eB pupil, no.
    assert gate_world.y_teacher.first_name in text_of(
        addressbook_search(client, gate_world.y_teacher.last_name)
    )
    assert gate_world.y_pupil.first_name not in text_of(
        addressbook_search(client, gate_world.y_pupil.last_name)
    )


# Scenario 2 ------------------------------------------------------------------------------------


@pytest.mark.sdet("SOC-SEC-AUT-01", "SOC-SEC-AUT-02", "SOC-POR-PPO-04", "UTI-IDO-PBL-03")
def test_scenario_02_parent_of_two_children_in_two_schools_and_degrees(client, gate_world):
    cast = gate_world.cast
    parent, x, z = gate_world.martin_diaz, cast.school, gate_world.school_z
    rights = effective_rights(parent)
    assert rights.school_ids(LESSON_LOG) == {x.pk, z.pk}
    assert rights.profiles_in(x) == rights.profiles_in(z) == {Profile.TUT}
    assert LESSON_LOG in codes(parent, x)
    assert LESSON_LOG in codes(parent, z)
    assert rights.level(LESSON_LOG, school=cast.other_school) == 0

    client.force_login(parent)
    home = client.get("/")
    assert home.status_code == 200
    assert gate_world.jade.first_name in text_of(home)
    assert gate_world.world.tom.first_name in text_of(home)
    assert {str(x.pk), str(z.pk)} <= set(page_of(home).contexts)
    # Léa (3eA) is nobody to him: neither the white pages nor the search shows her.
    lea = cast.pupil
    assert lea.first_name not in text_of(addressbook_search(client, lea.last_name))
    search = client.get(reverse("search:results"), {"q": lea.last_name})
    assert search.status_code == 200
    assert lea.first_name not in text_of(search)


# Scenario 5 ------------------------------------------------------------------------------------


@pytest.mark.sdet("SOC-SEC-AUT-02", "SOC-SEC-AUT-03")
def test_scenario_05_head_teacher_of_3ea_gets_the_whole_class_right_through_3ea_only(gate_world):
    world = gate_world.world
    cast = world.cast
    dupont = cast.teacher
    # The rights engine has no "head teacher of a class" grantee: the whole-class views are
    # granted to the class 3eA, whose head teacher Mme Dupont is.
    assert set(
        HeadTeacher.objects.filter(teacher=dupont).values_list("school_class", flat=True)
    ) == {world.class_3a.pk}
    grant_service(actor=cast.head, service=CLASS_VIEW, school_class=world.class_3a)

    rights = effective_rights(dupont)
    assert rights.level(CLASS_VIEW, school=cast.school) == Level.USE
    assert rights.via(CLASS_VIEW, school=cast.school) == {"class"}
    # Her other roles keep their own scope: nothing in Y, where she is a parent.
    assert rights.level(CLASS_VIEW, school=cast.other_school) == 0
    # A teacher of 4eB only, and the pupils of other classes, get nothing from the 3eA grant.
    assert effective_rights(gate_world.x_teacher_4b).level(CLASS_VIEW) == 0
    assert effective_rights(world.tom).level(CLASS_VIEW) == 0
    # Removing her from 3eA's head-teacher and teaching links takes the right away.
    HeadTeacher.objects.filter(teacher=dupont).delete()
    TeachingAssignment.objects.filter(teacher=dupont, school_class=world.class_3a).delete()
    assert effective_rights(dupont).level(CLASS_VIEW) == 0


# Scenario 6 ------------------------------------------------------------------------------------


def _gated_routes(school_id: int) -> list[tuple[str, str]]:
    """Return (path, service) of every view gated by a service whose URL names nothing or
    only a school (given `school_id`)."""
    found = []
    for route, pattern in walk(get_resolver().url_patterns):
        service = getattr(pattern.callback, "service_code", None)
        parameters = CONVERTER.findall(route)
        if not service or "^" in route or any(name != "school_id" for _kind, name in parameters):
            continue
        found.append(("/" + CONVERTER.sub(str(school_id), route), service))
    return found


@pytest.mark.sdet("SOC-SEC-AUT-01", "SOC-SEC-AUT-02", "SOC-POR-PPO-04")
def test_scenario_06_pupil_and_guest_sees_exactly_the_union_of_both_roles(client, gate_world):
    cast = gate_world.cast
    partner = new_school(name="Espace partenaire", degree=2, kind="OTHER")
    both = pupil_in(cast.school_class, login="noe.double", first_name="Noé")
    Membership.objects.create(
        person=both, school=partner, profile=Profile.GST, source=Source.MANUAL
    )
    guest = person_in(partner, Profile.GST, login="invite.seul")

    assert codes(both) == codes(cast.pupil) | codes(guest)
    assert codes(both, cast.school) == codes(cast.pupil, cast.school)
    assert codes(both, partner) == codes(guest, partner)
    assert PARTNER_SPACE in codes(both)
    assert PARTNER_SPACE not in codes(cast.pupil)
    assert TEACHER_TOOL not in codes(both)

    client.force_login(both)
    home = client.get("/")
    assert home.status_code == 200
    launcher = page_of(home).services
    assert launcher
    assert launcher <= codes(both), launcher
    # Every page of a service the person does not hold answers 403, in their own school too;
    # the school's administration (/gestion/) first of all.
    refused = [
        (path, service)
        for path, service in _gated_routes(cast.school.pk)
        if service not in codes(both)
    ]
    assert any(service == "school_admin" for _path, service in refused), refused
    answers = {path: client.get(path).status_code for path, _service in refused}
    answers[reverse("backoffice:home")] = client.get(reverse("backoffice:home")).status_code
    # A form's POST-only address is no page: it answers 405 to a GET, before any check.
    pages = {path: status for path, status in answers.items() if status != 405}
    assert "/gestion/" in pages, answers
    assert set(pages.values()) == {403}, answers


# Scenario 12 -----------------------------------------------------------------------------------

PUBLIC_PAGES = {"portal:privacy", "portal:accessibility", "portal:schools", "portal:school-page"}
# Deliberately public: signing in (and recovering an account), and the SSO protocols.
PUBLIC_NAMESPACES = ("identity:", "sso:")


def _filled(route: str) -> str:
    """Give each parameter of a route a plausible value."""
    samples = {"int": "1", "uuid": str(uuid.uuid4())}
    return "/" + CONVERTER.sub(lambda match: samples.get(match.group(1) or "", "x"), route)


@pytest.mark.sdet("SOC-SEC-AUT-01", "SOC-INT-PSE-03")
def test_scenario_12_anonymous_visitor_sees_only_public_pages(client, gate_world):
    login = reverse("identity:login")
    names = {
        person.last_name
        for person in (gate_world.cast.pupil, gate_world.cast.teacher, gate_world.jade)
    }
    unexpected: list[str] = []
    leaks: list[str] = []
    api: dict[str, tuple[int, str]] = {}
    for route, pattern in walk(get_resolver().url_patterns):
        if route.startswith("admin/") or "^" in route:
            continue
        path = _filled(route)
        response = client.get(path)
        public = getattr(pattern.callback, "login_required", True) is False
        if path.startswith("/api/"):
            # The OpenAPI description and its viewer are public documentation (PSE-02).
            # The root lists nothing (404); POST-only operations answer 405 to a GET.
            if route != "api/v1/" and not route.startswith(("api/v1/openapi", "api/v1/docs")):
                api[path] = (response.status_code, response.get("Content-Type", ""))
            continue
        if not public:
            assert response.status_code == 302, path
            assert response["Location"].split("?")[0] == login, (path, response["Location"])
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        try:
            view_name = resolve(path).view_name
        except Resolver404:
            continue
        if view_name not in PUBLIC_PAGES and not view_name.startswith(PUBLIC_NAMESPACES):
            unexpected.append(view_name)
        leaks.extend(f"{path}: {name}" for name in names if name in text_of(response))
    assert unexpected == [], unexpected
    assert leaks == [], leaks
    # The API answers 401 problem documents, never a login page.
    assert api, "no API operation found"
    assert {path: answer for path, answer in api.items() if answer[0] not in (401, 405)} == {}
    assert all(kind.startswith(PROBLEM) for status, kind in api.values() if status == 401), api
    me = client.get("/api/v1/me")
    assert me.status_code == 401
    assert me["Content-Type"].startswith(PROBLEM)
    # The school's public page is open when published, and hidden (404) when not.
    published = client.get(school_page_url(gate_world.cast.school))
    assert published.status_code == 200
    assert gate_world.page_x.title in text_of(published)
    assert client.get(school_page_url(gate_world.cast.other_school)).status_code == 404
    assert school_page_url(gate_world.cast.school) in text_of(client.get(reverse("portal:schools")))


# Scenario 16 -----------------------------------------------------------------------------------


@pytest.mark.sdet("SOC-SEC-AUT-01", "SOC-SEC-AUT-02")
def test_scenario_16_teacher_of_two_ecoles_sees_both_and_runs_a_cp_ce1_group(
    client, gate_multi_school_teacher, gate_world
):
    found = gate_multi_school_teacher
    teacher, z, w = found.teacher, gate_world.school_z, found.school_w
    assert effective_rights(teacher).school_ids(LESSON_LOG) == {z.pk, w.pk}

    client.force_login(teacher)
    home = client.get("/")
    assert home.status_code == 200
    page = page_of(home)
    assert {str(z.pk), str(w.pk)} <= set(page.contexts)
    seen = text_of(home)
    other = str(w.pk) if page.current_context != str(w.pk) else str(z.pk)
    switched = client.post(reverse("portal:context"), {"school": other})
    assert switched.status_code == 302
    home = client.get("/")
    assert page_of(home).current_context == other
    seen += text_of(home)
    # Both schools' classes in one session: the CP-CE1 group in Z and the CM1 in W.
    assert found.group.label in seen
    assert found.class_cm1_w.label in seen

    # The multi-level group gathers CP and CE1 pupils; a grant to it reaches its teacher and
    # its pupils of both levels, not a CP pupil outside it.
    levels = set(
        Enrolment.objects.filter(
            pupil__enrolments__teaching_group=found.group, school_class__isnull=False
        ).values_list("school_class__label", flat=True)
    )
    assert levels == {"CP", "CE1"}
    grant_service(actor=None, service=CLASS_VIEW, teaching_group=found.group)
    assert effective_rights(teacher).via(CLASS_VIEW, school=z) == {"group"}
    members = found.group.enrolments.values_list("pupil", flat=True)
    for pupil in User.objects.filter(pk__in=members):
        assert effective_rights(pupil).level(CLASS_VIEW, school=z) == Level.USE
    outside = pupil_in(found.class_cp, login="cp.hors-groupe")
    assert effective_rights(outside).level(CLASS_VIEW) == 0
    assert effective_rights(teacher).level(CLASS_VIEW, school=w) == 0
