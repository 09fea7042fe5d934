"""Blogs, posts and media for the blogs tests, written through the actions."""

from __future__ import annotations

import io

from PIL import Image

from ent.blogs import actions
from ent.blogs.models import Blog, Post, Role, Visibility
from ent.directory.models import SchoolClass, User

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def png(size: int = 8) -> bytes:
    """A small real PNG picture."""
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_with_gps() -> bytes:
    """A JPEG photo whose EXIF metadata says where it was taken."""
    image = Image.new("RGB", (16, 16), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}  # GPS
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def mp4() -> bytes:
    """The first box of an MP4 file: enough for the type to be recognised."""
    return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


def class_blog(
    teacher: User,
    school_class: SchoolClass,
    *,
    title: str = "Voyage en Espagne 4B",
    visibility: str = Visibility.INTRANET,
) -> Blog:
    """An intranet blog of `school_class`: its pupils write, its families and teachers read."""
    blog = actions.create_blog(
        actor=teacher,
        school=school_class.school,
        title=title,
        visibility=visibility,
        readers=[
            f"class-{school_class.pk}-guardians",
            f"class-{school_class.pk}-teachers",
        ],
    )
    actions.grant_right(
        actor=teacher, blog=blog, grantee=f"class-{school_class.pk}-pupils", role=Role.WRITE
    )
    return blog


def post_in(blog: Blog, author: User, *, title: str = "Jour 1 à Madrid", body: str = "") -> Post:
    return actions.write_post(
        actor=author, blog=blog, title=title, body=body or "<p>Nous avons visité le Prado.</p>"
    )
