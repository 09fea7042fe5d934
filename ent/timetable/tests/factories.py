"""Lessons and encrypted EDT exports for the timetable's tests."""

from __future__ import annotations

import base64
import hashlib
import itertools
import os
import zlib
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import padding as block_padding
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.utils import timezone

from ent.directory.models import SchoolClass, Subject, TeachingGroup, User
from ent.timetable.models import Lesson, Source

_numbers = itertools.count(1)


def make_lesson(
    *,
    division: SchoolClass | TeachingGroup,
    starts_at: datetime | None = None,
    teachers: tuple[User, ...] = (),
    minutes: int = 55,
    **fields: Any,
) -> Lesson:
    """Create a lesson of a class or group (tomorrow at 10:00 by default)."""
    if starts_at is None:
        tomorrow = timezone.localdate() + timedelta(days=1)
        starts_at = timezone.make_aware(datetime.combine(tomorrow, datetime.min.time()))
        starts_at += timedelta(hours=10)
    values: dict[str, Any] = {
        "school": division.school,
        "school_class": division if isinstance(division, SchoolClass) else None,
        "teaching_group": division if isinstance(division, TeachingGroup) else None,
        "subject_code": "061300",
        "title": "",
        "room": "101",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(minutes=minutes),
        "source": Source.MANUAL,
        "source_uid": f"test-{next(_numbers)}",
    }
    values |= fields
    if "subject" not in values:
        values["subject"] = Subject.objects.filter(code=values["subject_code"]).first()
    lesson = Lesson.objects.create(**values)
    lesson.teachers.set(teachers)
    return lesson


def new_key() -> rsa.RSAPrivateKey:
    """A self-generated partner key: Index Education's real keys are never in tests."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def encrypt_export(
    clear: bytes,
    public_key: rsa.RSAPublicKey,
    *,
    partner: str = "ENT-TEST",
    uai: str = "0000001B",
    compress: bool = True,
    tamper: bool = False,
) -> bytes:
    """Wrap a clear EDT export the way Index Education encrypts it for a partner ENT."""
    aes_key, iv = os.urandom(16), os.urandom(16)
    block = aes_key + iv + hashlib.md5(aes_key + iv, usedforsecurity=False).digest()
    wrapped = public_key.encrypt(block, padding.PKCS1v15())
    payload = zlib.compress(b"\xef\xbb\xbf" + clear) if compress else clear
    padder = block_padding.PKCS7(128).padder()
    padded = padder.update(payload) + padder.finalize()
    encryptor = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).encryptor()
    content = encryptor.update(padded) + encryptor.finalize()
    check = hashlib.sha256(payload + (b"x" if tamper else b"")).digest()
    text = base64.b64encode
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<EXPORT_INDEX_EDUCATION>'
        "<VERSION>1</VERSION><LOGICIEL>EDT</LOGICIEL>"
        f'<CLES><PARTENAIRE NOM="{partner}">{text(wrapped).decode()}</PARTENAIRE></CLES>'
        f'<CONTENU CompresseAvantChiffrement="{str(compress).lower()}">'
        f"{text(content).decode()}</CONTENU>"
        f"<VERIFICATION>{text(check).decode()}</VERIFICATION>"
        f"<UAI>{uai}</UAI></EXPORT_INDEX_EDUCATION>"
    ).encode()
