"""The blogs' actions: rights, the validation circuit, comments, uploads, export, purge."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from PIL import Image

from ent.blogs import actions
from ent.blogs.models import Blog, Comment, Media, MediaKind, Page, Post, Right, Role, Status
from ent.blogs.permissions import can_edit_page, role_on_blog
from ent.moderation.actions import decide, report
from ent.notifications.models import Notification
from ent.rights.tests.factories import new_class

from .factories import EICAR, class_blog, jpeg_with_gps, mp4, png, post_in


def _told(person, kind):
    return list(
        Notification.objects.filter(recipient=person, kind=kind).values_list("title", flat=True)
    )


@pytest.mark.sdet("UTI-CCO-PWE-04")
def test_a_pupils_post_waits_and_the_moderators_hear_of_it(
    spain, django_capture_on_commit_callbacks
):
    blog = class_blog(spain.teacher, spain.world.class_4b)
    with django_capture_on_commit_callbacks(execute=True):
        post = post_in(blog, spain.lea, title="Arrivée à Madrid")
    assert post.status == Status.PENDING
    assert post.published_at is None
    assert _told(spain.teacher, "blogs.pending") == [
        "To validate in the blog “Voyage en Espagne 4B”: Arrivée à Madrid"
    ]
    assert _told(spain.lea, "blogs.pending") == []
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_post(actor=spain.teacher, post=post)
    post.refresh_from_db()
    assert post.status == Status.PUBLISHED
    assert post.published_at is not None
    assert _told(spain.lea, "blogs.decision") == ["Published: Arrivée à Madrid"]


@pytest.mark.sdet("UTI-CCO-PWE-04")
def test_a_moderators_post_is_published_at_once(spain):
    blog = class_blog(spain.teacher, spain.world.class_4b)
    post = post_in(blog, spain.teacher)
    assert post.status == Status.PUBLISHED


@pytest.mark.sdet("UTI-CCO-PWE-04")
def test_a_refused_post_tells_its_author_why_and_a_writers_edit_goes_back_to_validation(
    spain, django_capture_on_commit_callbacks
):
    blog = class_blog(spain.teacher, spain.world.class_4b)
    post = post_in(blog, spain.lea)
    with django_capture_on_commit_callbacks(execute=True):
        actions.reject_post(actor=spain.teacher, post=post, note="Ajoute une photo")
    assert Notification.objects.get(recipient=spain.lea, kind="blogs.decision").body == (
        "Ajoute une photo"
    )
    actions.approve_post(actor=spain.teacher, post=post)
    actions.edit_post(actor=spain.lea, post=post, title="Jour 1", body="<p>Corrigé</p>")
    post.refresh_from_db()
    assert (post.title, post.status) == ("Jour 1", Status.PENDING)
    # Another pupil of the class may not touch it; a moderator may, and it stays published.
    with pytest.raises(PermissionDenied):
        actions.edit_post(actor=spain.hugo, post=post, title="Pirate", body="x")
    actions.approve_post(actor=spain.teacher, post=post)
    actions.edit_post(actor=spain.teacher, post=post, title="Jour 1 !", body="<p>Relu</p>")
    post.refresh_from_db()
    assert (post.title, post.status) == ("Jour 1 !", Status.PUBLISHED)


@pytest.mark.sdet("UTI-CCO-PWE-03")
def test_people_without_the_write_right_cannot_post(spain):
    blog = class_blog(spain.teacher, spain.world.class_4b)
    for reader in (spain.petit, spain.tom, spain.outsider, spain.world.cast.pupil):
        with pytest.raises(PermissionDenied):
            post_in(blog, reader)
    assert not Post.objects.exists()


def test_script_in_a_post_is_removed_and_plain_text_becomes_paragraphs(spain):
    blog = class_blog(spain.teacher, spain.world.class_4b)
    post = post_in(
        blog,
        spain.teacher,
        body='<p onclick="steal()">Bonjour<script>alert(1)</script></p>'
        '<a href="javascript:alert(2)">lien</a><img src="x" onerror="alert(3)">',
    )
    assert "script" not in post.body
    assert "onclick" not in post.body
    assert "onerror" not in post.body
    assert "javascript:" not in post.body
    assert "<p>Bonjour</p>" in post.body
    plain = post_in(blog, spain.teacher, body="Premier.\n\nVoir https://eduscol.education.fr")
    assert plain.body.startswith('<p>Premier.</p><p>Voir <a href="https://eduscol.education.fr"')


def test_a_post_needs_a_title_and_some_content(spain):
    blog = class_blog(spain.teacher, spain.world.class_4b)
    with pytest.raises(ValidationError):
        post_in(blog, spain.teacher, title="   ")
    with pytest.raises(ValidationError):
        post_in(blog, spain.teacher, body="<script>alert(1)</script>")
    assert not Post.objects.exists()


@pytest.mark.sdet("UTI-CCO-PWE-01")
def test_images_and_videos_are_stored_and_shown_in_the_post(spain):
    blog = class_blog(spain.teacher, spain.world.class_4b)
    post = actions.write_post(
        actor=spain.teacher,
        blog=blog,
        title="Photos",
        body="<p>Voici</p>",
        uploads=[actions.Upload("a.png", png()), actions.Upload("film.mp4", mp4())],
        media_description="La classe au Prado",
    )
    image, video = Media.objects.filter(post=post).order_by("pk")
    assert (image.kind, image.content_type) == (MediaKind.IMAGE, "image/png")
    assert (video.kind, video.content_type) == (MediaKind.VIDEO, "video/mp4")
    assert f'<img src="{image.get_absolute_url()}" alt="La classe au Prado">' in post.body
    assert f'<video src="{video.get_absolute_url()}" controls="">' in post.body
    assert image.scan_status == "unscanned"


def test_a_photo_loses_the_place_where_it_was_taken(spain):
    blog = class_blog(spain.teacher, spain.world.class_4b)
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825)
    post = actions.write_post(
        actor=spain.teacher,
        blog=blog,
        title="Photo",
        body="",
        uploads=[actions.Upload("photo.jpg", original)],
    )
    stored = Media.objects.get(post=post).file.read()
    assert not Image.open(io.BytesIO(stored)).getexif()


def test_oversized_or_unknown_uploads_are_refused_and_nothing_is_saved(spain, settings):
    blog = class_blog(spain.teacher, spain.world.class_4b)
    settings.ENT_UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="too large"):
        actions.write_post(
            actor=spain.teacher,
            blog=blog,
            title="Trop gros",
            body="x",
            uploads=[actions.Upload("big.png", png(64))],
        )
    settings.ENT_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    for data in (b"<svg onload=alert(1)>", b"%PDF-1.4", EICAR, b""):
        with pytest.raises(ValidationError):
            actions.write_post(
                actor=spain.teacher,
                blog=blog,
                title="Pas une image",
                body="x",
                uploads=[actions.Upload("x.png", data)],
            )
    with pytest.raises(ValidationError, match="cannot be read"):
        actions.write_post(
            actor=spain.teacher,
            blog=blog,
            title="Fausse image",
            body="x",
            uploads=[actions.Upload("x.png", b"\x89PNG\r\n\x1a\n" + b"broken" * 10)],
        )
    assert not Post.objects.exists()
    assert not Media.objects.exists()


@pytest.mark.sdet("UTI-CCO-PWE-04")
def test_comments_wait_for_a_moderator_then_the_posts_author_hears_of_them(
    spain, django_capture_on_commit_callbacks
):
    blog = class_blog(spain.teacher, spain.world.class_4b)
    post = post_in(blog, spain.lea)
    actions.approve_post(actor=spain.teacher, post=post)
    with django_capture_on_commit_callbacks(execute=True):
        comment = actions.add_comment(actor=spain.petit, post=post, body="Bravo à tous !")
    assert comment.status == Status.PENDING
    assert list(Comment.objects.visible_to(spain.hugo)) == []
    assert list(Comment.objects.visible_to(spain.petit)) == [comment]
    assert _told(spain.teacher, "blogs.pending") == ["A comment to validate on “Jour 1 à Madrid”"]
    with django_capture_on_commit_callbacks(execute=True):
        actions.approve_comment(actor=spain.teacher, comment=comment)
    assert list(Comment.objects.visible_to(spain.hugo)) == [comment]
    assert _told(spain.lea, "blogs.comment") == ["New comment on your post “Jour 1 à Madrid”"]
    refused = actions.add_comment(actor=spain.hugo, post=post, body="Nul")
    with pytest.raises(PermissionDenied):
        actions.approve_comment(actor=spain.lea, comment=refused)
    actions.reject_comment(actor=spain.teacher, comment=refused)
    assert refused not in Comment.objects.visible_to(spain.lea)
    for bad in ("", "   ", "x" * 5001):
        with pytest.raises(ValidationError):
            actions.add_comment(actor=spain.hugo, post=post, body=bad)
    with pytest.raises(PermissionDenied):
        actions.add_comment(actor=spain.tom, post=post, body="Je ne suis pas lecteur")
    blog.allows_comments = False
    blog.save()
    with pytest.raises(PermissionDenied):
        actions.add_comment(actor=spain.hugo, post=post, body="Fermé")


def test_a_moderators_comment_is_published_at_once(spain, django_capture_on_commit_callbacks):
    blog = class_blog(spain.teacher, spain.world.class_4b)
    post = post_in(blog, spain.lea)
    actions.approve_post(actor=spain.teacher, post=post)
    with django_capture_on_commit_callbacks(execute=True):
        comment = actions.add_comment(actor=spain.teacher, post=post, body="Très bien Léa")
    assert comment.status == Status.PUBLISHED
    assert len(_told(spain.lea, "blogs.comment")) == 1


def test_a_reported_post_and_comment_are_hidden_through_the_moderation_service(spain):
    blog = class_blog(spain.teacher, spain.world.class_4b)
    post = post_in(blog, spain.lea)
    actions.approve_post(actor=spain.teacher, post=post)
    comment = actions.add_comment(actor=spain.teacher, post=post, body="Bravo")
    for kind, target in (("blogs.comment", comment), ("blogs.post", post)):
        filed = report(actor=spain.petit, kind=kind, object_id=target.pk, reason="Photo privée")
        with pytest.raises(PermissionDenied):
            decide(actor=spain.lea, report=filed, decision="hide")
        decide(actor=spain.teacher, report=filed, decision="hide")
        target.refresh_from_db()
        assert target.status == Status.HIDDEN
    assert not Post.objects.visible_to(spain.petit).exists()
    assert list(Post.objects.visible_to(spain.teacher)) == [post]
    with pytest.raises(LookupError):
        report(actor=spain.tom, kind="blogs.post", object_id=post.pk, reason="?")


@pytest.mark.sdet("UTI-CCO-PWE-03")
def test_rights_go_to_people_lists_schools_and_profiles_and_a_second_grant_changes_the_role(
    spain,
):
    teacher = spain.teacher
    blog = actions.create_blog(actor=teacher, school=spain.world.cast.school, title="CDI")
    assert role_on_blog(spain.lea, blog) == 0
    right = actions.grant_right(actor=teacher, blog=blog, grantee="login:lea.4b", role=Role.READ)
    assert right.grantee_key == f"person-{spain.lea.pk}"
    again = actions.grant_right(
        actor=teacher, blog=blog, grantee=f"person-{spain.lea.pk}", role=Role.WRITE
    )
    assert again.pk == right.pk
    assert role_on_blog(spain.lea, Blog.objects.get(pk=blog.pk)) == Role.WRITE
    school = spain.world.cast.school
    actions.grant_right(actor=teacher, blog=blog, grantee=f"school-{school.pk}-TUT", role=10)
    assert role_on_blog(spain.petit, blog) == Role.READ
    assert role_on_blog(spain.tom, blog) == 0
    actions.grant_right(actor=teacher, blog=blog, grantee=f"school-{school.pk}", role=10)
    assert role_on_blog(spain.tom, Blog.objects.get(pk=blog.pk)) == Role.READ
    assert role_on_blog(spain.outsider, blog) == 0
    assert role_on_blog(spain.world.cast.head, blog) == Role.MANAGE
    actions.revoke_right(actor=teacher, right=again)
    assert not Right.objects.filter(person=spain.lea).exists()


def test_bad_grantees_are_refused(spain):
    teacher = spain.teacher
    blog = actions.create_blog(actor=teacher, school=spain.world.cast.school, title="CDI")
    elsewhere = new_class(school=spain.world.cast.other_school, code="6C")
    other = spain.world.cast.other_school
    for key in (
        "nobody",
        f"class-{elsewhere.pk}-pupils",
        f"school-{other.pk}",
        f"school-{spain.world.cast.school.pk}-XYZ",
        "login:no.such.person",
        f"person-{spain.outsider.pk}",
    ):
        with pytest.raises(ValidationError):
            actions.grant_right(actor=teacher, blog=blog, grantee=key, role=Role.READ)
    with pytest.raises(ValidationError):
        actions.grant_right(actor=teacher, blog=blog, grantee="login:lea.4b", role=99)
    with pytest.raises(PermissionDenied):
        actions.grant_right(actor=spain.lea, blog=blog, grantee="login:lea.4b", role=Role.READ)
    assert not Right.objects.exists()


@pytest.mark.sdet("UTI-CCO-PWE-03")
def test_a_right_on_one_page_lets_its_holder_edit_that_page_only(spain):
    teacher = spain.teacher
    blog = class_blog(teacher, spain.world.class_4b)
    menu = actions.write_page(actor=teacher, blog=blog, title="Menu", body="Paella")
    rooms = actions.write_page(actor=teacher, blog=blog, title="Chambres", body="1 : Léa")
    actions.grant_right(
        actor=teacher, blog=blog, grantee=f"person-{spain.petit.pk}", role=Role.WRITE, page=menu
    )
    assert can_edit_page(spain.petit, Page.objects.get(pk=menu.pk))
    assert not can_edit_page(spain.petit, Page.objects.get(pk=rooms.pk))
    actions.edit_page(actor=spain.petit, page=menu, title="Menu", body="Paella et tortilla")
    menu.refresh_from_db()
    assert menu.status == Status.PENDING
    with pytest.raises(PermissionDenied):
        actions.edit_page(actor=spain.petit, page=rooms, title="X", body="Y")
    actions.approve_page(actor=teacher, page=menu)
    menu.refresh_from_db()
    assert menu.status == Status.PUBLISHED


@pytest.mark.sdet("UTI-CCO-PWE-02")
def test_only_managers_open_a_page_to_the_internet(spain):
    blog = class_blog(spain.teacher, spain.world.class_4b)
    page = actions.write_page(actor=spain.teacher, blog=blog, title="Programme", body="Madrid")
    assert not Page.objects.visible_to(None).exists()
    with pytest.raises(PermissionDenied):
        actions.set_page_public(actor=spain.lea, page=page, is_public=True)
    actions.set_page_public(actor=spain.teacher, page=page, is_public=True)
    assert list(Page.objects.visible_to(None)) == [page]
    assert not Blog.objects.visible_to(None).exists()


@pytest.mark.sdet("UTI-CCO-PWE-01")
def test_only_staff_granted_the_service_open_blogs(spain):
    school = spain.world.cast.school
    for person in (spain.lea, spain.petit):
        with pytest.raises(PermissionDenied):
            actions.create_blog(actor=person, school=school, title="Mon blog")
    with pytest.raises(PermissionDenied):
        actions.create_blog(actor=spain.outsider, school=school, title="Ailleurs")
    with pytest.raises(ValidationError):
        actions.create_blog(actor=spain.teacher, school=school, title=" ")
    with pytest.raises(ValidationError):
        actions.create_blog(actor=spain.teacher, school=school, title="B", visibility="SECRET")
    assert not Blog.objects.exists()


def test_managers_change_settings_and_delete_a_blog_with_its_files(
    spain, django_capture_on_commit_callbacks
):
    blog = class_blog(spain.teacher, spain.world.class_4b)
    post = actions.write_post(
        actor=spain.teacher,
        blog=blog,
        title="Photo",
        body="",
        uploads=[actions.Upload("a.png", png())],
    )
    media = Media.objects.get(post=post)
    storage = media.file.storage
    assert storage.exists(str(media.file.name))
    with pytest.raises(PermissionDenied):
        actions.update_blog(
            actor=spain.lea,
            blog=blog,
            title="X",
            description="",
            visibility="PUBLIC",
            allows_comments=True,
        )
    actions.update_blog(
        actor=spain.teacher,
        blog=blog,
        title="Espagne",
        description="Voyage",
        visibility="PUBLIC",
        allows_comments=False,
    )
    assert Blog.objects.visible_to(None).get() == blog
    with pytest.raises(PermissionDenied):
        actions.delete_blog(actor=spain.lea, blog=blog)
    with django_capture_on_commit_callbacks(execute=True):
        actions.delete_blog(actor=spain.teacher, blog=blog)
    assert not Blog.objects.exists()
    assert not storage.exists(str(media.file.name))


@pytest.mark.sdet("UTI-CCO-PWE-05")
def test_managers_export_the_whole_blog(spain):
    blog = class_blog(spain.teacher, spain.world.class_4b)
    post = post_in(blog, spain.lea)
    actions.write_page(actor=spain.teacher, blog=blog, title="Programme", body="Madrid")
    with pytest.raises(PermissionDenied):
        actions.export_blog(actor=spain.lea, blog=blog)
    data = actions.export_blog(actor=spain.teacher, blog=blog)
    assert data["format"] == "ent-blog/1"
    assert data["blog"]["title"] == "Voyage en Espagne 4B"
    assert [item["title"] for item in data["posts"]] == [post.title]
    assert data["posts"][0]["status"] == "PENDING"
    assert [item["title"] for item in data["pages"]] == ["Programme"]
    assert {item["grantee"] for item in data["rights"]} == {
        f"class-{spain.world.class_4b.pk}-{members}"
        for members in ("pupils", "guardians", "teachers")
    }


def test_a_purged_persons_rights_go_their_posts_stay(spain):
    from ent.directory.actions import PURGE_HOOKS

    blog = class_blog(spain.teacher, spain.world.class_4b)
    actions.grant_right(actor=spain.teacher, blog=blog, grantee="login:lea.4b", role=Role.WRITE)
    post = post_in(blog, spain.lea)
    assert actions.forget_person in PURGE_HOOKS
    actions.forget_person(spain.lea)
    assert not Right.objects.filter(person=spain.lea).exists()
    assert Post.objects.filter(pk=post.pk).exists()
