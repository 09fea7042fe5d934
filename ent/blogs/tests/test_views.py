"""The blogs' pages over HTTP: who gets what, bad input, the public part, query counts."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ent.blogs import actions
from ent.blogs.models import Comment, Media, Post, Role, Status, Visibility

from .factories import EICAR, class_blog, png, post_in


def _login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        reverse("identity:login")
    )


@pytest.fixture
def blog(spain):
    return class_blog(spain.teacher, spain.world.class_4b)


@pytest.fixture
def published(spain, blog):
    post = post_in(blog, spain.lea, title="Arrivée à Madrid")
    return actions.approve_post(actor=spain.teacher, post=post)


@pytest.mark.sdet("UTI-CCO-PWE-01", "UTI-CCO-PWE-03")
def test_the_editor_answers_anonymous_outsider_reader_and_writer(client, spain, blog):
    url = reverse("blogs:post-create", args=[blog.pk])
    assert _login_redirect(client.get(url))
    client.force_login(spain.outsider)
    assert client.get(url).status_code == 404
    client.force_login(spain.tom)
    assert client.get(url).status_code == 404
    # Mme Petit reads the blog but may not write in it.
    client.force_login(spain.petit)
    assert client.get(url).status_code == 403
    assert client.post(url, {"title": "Moi aussi", "body": "Bonjour"}).status_code == 403
    client.force_login(spain.lea)
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="validation-notice"' in page.content.decode()
    assert not Post.objects.exists()


@pytest.mark.sdet("UTI-CCO-PWE-03")
def test_rights_settings_moderation_and_export_are_for_managers(client, spain, blog):
    pages = [
        reverse("blogs:blog-rights", args=[blog.pk]),
        reverse("blogs:blog-edit", args=[blog.pk]),
        reverse("blogs:blog-export", args=[blog.pk]),
        reverse("blogs:blog-moderation", args=[blog.pk]),
    ]
    for url in pages:
        client.logout()
        assert _login_redirect(client.get(url))
        client.force_login(spain.outsider)
        assert client.get(url).status_code == 404
        client.force_login(spain.lea)
        assert client.get(url).status_code == 403
        client.force_login(spain.teacher)
        assert client.get(url).status_code == 200


def test_a_bad_right_is_refused_with_a_message(client, spain, blog):
    client.force_login(spain.teacher)
    url = reverse("blogs:blog-rights", args=[blog.pk])
    response = client.post(url, {"login": "nobody.here", "role": Role.READ})
    assert response.status_code == 422
    assert "Nobody with this login is in your directory." in response.content.decode()
    response = client.post(url, {"role": Role.READ})
    assert response.status_code == 422
    assert "Choose either a group or one person." in response.content.decode()


def test_a_right_is_given_and_taken_back_from_the_rights_page(client, spain, blog):
    client.force_login(spain.teacher)
    url = reverse("blogs:blog-rights", args=[blog.pk])
    assert client.post(url, {"login": "mme.petit", "role": Role.MODERATE}).status_code == 302
    right = blog.rights.get(person=spain.petit)
    assert f'data-right="{right.pk}"' in client.get(url).content.decode()
    client.force_login(spain.lea)
    revoke = reverse("blogs:right-revoke", args=[right.pk])
    assert client.post(revoke).status_code == 403
    client.force_login(spain.teacher)
    assert client.post(revoke).status_code == 302
    assert not blog.rights.filter(person=spain.petit).exists()


def test_script_in_a_post_sent_from_the_editor_is_removed(client, spain, blog):
    client.force_login(spain.teacher)
    client.post(
        reverse("blogs:post-create", args=[blog.pk]),
        {
            "title": "Bonjour",
            "body": "<p>Salut<script>alert('x')</script></p><b onmouseover=x>B</b>",
        },
    )
    post = Post.objects.get()
    page = client.get(post.get_absolute_url()).content.decode()
    assert "alert(" not in page
    assert "onmouseover" not in page
    assert "<p>Salut</p>" in page


def test_an_oversized_upload_answers_422_with_a_clear_message_and_saves_nothing(
    client, spain, blog, settings
):
    settings.ENT_UPLOAD_MAX_BYTES = 50
    client.force_login(spain.lea)
    response = client.post(
        reverse("blogs:post-create", args=[blog.pk]),
        {
            "title": "Photo",
            "body": "Regardez",
            "uploads": [SimpleUploadedFile("grande.png", png(64), content_type="image/png")],
        },
    )
    assert response.status_code == 422
    assert "grande.png is too large" in response.content.decode()
    assert not Post.objects.exists()
    assert not Media.objects.exists()


def test_a_file_that_is_not_an_image_answers_422(client, spain, blog):
    client.force_login(spain.lea)
    response = client.post(
        reverse("blogs:post-create", args=[blog.pk]),
        {
            "title": "Photo",
            "body": "Regardez",
            "uploads": [SimpleUploadedFile("photo.png", EICAR, content_type="image/png")],
        },
    )
    assert response.status_code == 422
    assert "photo.png is neither an image" in response.content.decode()
    assert not Post.objects.exists()


@pytest.mark.sdet("UTI-CCO-PWE-04")
def test_a_moderator_validates_from_the_queue_and_refuses_with_a_note(client, spain, blog):
    first = post_in(blog, spain.lea, title="Premier")
    second = post_in(blog, spain.hugo, title="Second")
    client.force_login(spain.lea)
    assert client.post(reverse("blogs:post-approve", args=[first.pk])).status_code == 403
    client.force_login(spain.teacher)
    queue = client.get(reverse("blogs:blog-moderation", args=[blog.pk])).content.decode()
    assert f'data-pending-post="{first.pk}"' in queue
    response = client.post(reverse("blogs:post-approve", args=[first.pk]), {"next": "queue"})
    assert response["Location"] == reverse("blogs:blog-moderation", args=[blog.pk])
    client.post(reverse("blogs:post-reject", args=[second.pk]), {"note": "Trop court"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.PUBLISHED, Status.REJECTED)
    assert second.moderation_note == "Trop court"
    client.force_login(spain.hugo)
    page = client.get(second.get_absolute_url()).content.decode()
    assert "Trop court" in page


@pytest.mark.sdet("UTI-CCO-PWE-04")
def test_a_comment_from_the_post_page_waits_then_is_shown(client, spain, published):
    client.force_login(spain.petit)
    url = reverse("blogs:comment-create", args=[published.pk])
    assert client.post(url, {"body": ""}).status_code == 422
    response = client.post(url, {"body": "Bravo les enfants"})
    comment = Comment.objects.get()
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    client.force_login(spain.hugo)
    assert "Bravo les enfants" not in client.get(published.get_absolute_url()).content.decode()
    client.force_login(spain.teacher)
    client.post(reverse("blogs:comment-approve", args=[comment.pk]))
    client.force_login(spain.hugo)
    assert "Bravo les enfants" in client.get(published.get_absolute_url()).content.decode()
    client.force_login(spain.tom)
    assert client.post(url, {"body": "Intrus"}).status_code == 404


@pytest.mark.sdet("UTI-CCO-PWE-02")
def test_a_public_blog_is_read_without_signing_in(client, spain):
    blog = class_blog(spain.teacher, spain.world.class_4b, visibility=Visibility.PUBLIC)
    post = post_in(blog, spain.teacher, title="Portes ouvertes")
    photo = actions.write_post(
        actor=spain.teacher,
        blog=blog,
        title="Photo",
        body="",
        uploads=[actions.Upload("a.png", png())],
    )
    media = Media.objects.get(post=photo)
    assert "Portes ouvertes" in client.get(blog.get_absolute_url()).content.decode()
    assert client.get(post.get_absolute_url()).status_code == 200
    served = client.get(media.get_absolute_url())
    assert served.status_code == 200
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == media.file.open("rb").read()
    # Pending posts of a public blog stay hidden from the Internet.
    pending = post_in(blog, spain.lea, title="En attente")
    assert _login_redirect(client.get(pending.get_absolute_url()))
    assert "Sign in to comment" in client.get(post.get_absolute_url()).content.decode()


@pytest.mark.sdet("UTI-CCO-PWE-05")
def test_managers_download_the_blog_as_json_or_html(client, spain, blog, published):
    client.force_login(spain.teacher)
    url = reverse("blogs:blog-export", args=[blog.pk])
    response = client.get(url, {"format": "json"})
    assert response["Content-Disposition"] == f'attachment; filename="blog-{blog.pk}.json"'
    data = json.loads(response.content)
    assert data["posts"][0]["title"] == "Arrivée à Madrid"
    html = client.get(url, {"format": "html"})
    assert html["Content-Disposition"] == f'attachment; filename="blog-{blog.pk}.html"'
    assert "<h3>Arrivée à Madrid</h3>" in html.content.decode()


def test_the_home_page_lists_the_blogs_one_may_open(client, spain, blog):
    client.force_login(spain.petit)
    page = client.get(reverse("blogs:home")).content.decode()
    assert f'data-blog="{blog.pk}"' in page
    assert 'id="create-blog"' not in page
    client.force_login(spain.tom)
    assert f'data-blog="{blog.pk}"' not in client.get(reverse("blogs:home")).content.decode()
    client.force_login(spain.teacher)
    assert 'id="create-blog"' in client.get(reverse("blogs:home")).content.decode()


def test_a_pupil_cannot_open_the_blog_creation_page(client, spain):
    client.force_login(spain.lea)
    assert client.get(reverse("blogs:blog-create")).status_code == 403


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.sdet("UTI-CCO-PWE-01")
def test_the_blog_page_costs_the_same_queries_for_1_and_20_posts(
    client, spain, blog, django_assert_num_queries
):
    def fill(count: int) -> None:
        for number in range(count):
            post = post_in(blog, spain.teacher, title=f"Jour {number}")
            actions.add_comment(actor=spain.petit, post=post, body="Bravo")
        actions.write_page(actor=spain.teacher, blog=blog, title=f"Page {count}", body="x")

    fill(1)
    url = blog.get_absolute_url()
    baseline = {}
    for person in (spain.teacher, spain.petit, spain.lea):
        client.force_login(person)
        client.get(url)
        baseline[person.pk] = _queries(client, url)
    fill(19)
    for person in (spain.teacher, spain.petit, spain.lea):
        client.force_login(person)
        client.get(url)
        with django_assert_num_queries(baseline[person.pk]):
            page = client.get(url).content.decode()
        assert page.count('class="post-summary card"') == 20
    client.logout()
    public = class_blog(spain.teacher, spain.world.class_4b, visibility=Visibility.PUBLIC)
    post_in(public, spain.teacher)
    first = _queries(client, public.get_absolute_url())
    for number in range(10):
        post_in(public, spain.teacher, title=f"Public {number}")
    with django_assert_num_queries(first):
        client.get(public.get_absolute_url())


@pytest.mark.sdet("UTI-CCO-PWE-01")
def test_an_infected_upload_answers_422_and_a_clean_one_is_marked_scanned(
    client, spain, blog, clamd
):
    client.force_login(spain.lea)
    url = reverse("blogs:post-create", args=[blog.pk])
    response = client.post(
        url,
        {
            "title": "Photo",
            "body": "Regardez",
            "uploads": [SimpleUploadedFile("photo.png", EICAR, content_type="image/png")],
        },
    )
    assert response.status_code == 422
    assert "photo.png contains a virus" in response.content.decode()
    assert not Post.objects.exists()
    response = client.post(
        url,
        {
            "title": "Photo",
            "body": "Regardez",
            "uploads": [SimpleUploadedFile("photo.png", png(), content_type="image/png")],
        },
    )
    assert response.status_code == 302
    assert Media.objects.get().scan_status == "clean"
