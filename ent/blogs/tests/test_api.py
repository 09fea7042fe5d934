"""The blogs' REST endpoints: the same rules as the pages, answered as problem documents."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ent.blogs.models import Blog, Media, Post, Role, Status

from .factories import EICAR, class_blog, png, post_in

API = "/api/v1/blogs"


@pytest.fixture
def blog(spain):
    return class_blog(spain.teacher, spain.world.class_4b)


@pytest.mark.sdet("UTI-CCO-PWE-01", "UTI-CCO-PWE-02", "UTI-CCO-PWE-03", "UTI-CCO-PWE-04")
def test_the_api_runs_the_validation_circuit(client, spain):
    school = spain.world.cast.school
    class_4b = spain.world.class_4b
    client.force_login(spain.teacher)
    response = client.post(
        f"{API}/blogs",
        {
            "school_id": school.pk,
            "title": "Voyage en Espagne 4B",
            "readers": [f"class-{class_4b.pk}-guardians"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    blog_id = response.json()["id"]
    assert response.json()["visibility"] == "INTRANET"
    response = client.post(
        f"{API}/blogs/{blog_id}/rights",
        {"grantee": f"class-{class_4b.pk}-pupils", "role": Role.WRITE},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["grantee"] == f"class-{class_4b.pk}-pupils"

    client.force_login(spain.lea)
    response = client.post(
        f"{API}/blogs/{blog_id}/posts",
        {"title": "Arrivée", "body": "<p>Bonjour<script>alert(1)</script></p>"},
        content_type="application/json",
    )
    assert response.status_code == 201
    post = response.json()
    assert (post["status"], post["body"]) == ("PENDING", "<p>Bonjour</p>")
    upload = client.post(
        f"{API}/posts/{post['id']}/media",
        {"files": [SimpleUploadedFile("a.png", png(), content_type="image/png")]},
    )
    assert upload.status_code == 201
    assert "<img src=" in upload.json()["body"]

    client.force_login(spain.petit)
    assert client.get(f"{API}/posts/{post['id']}").status_code == 404
    assert client.post(f"{API}/posts/{post['id']}/approve").status_code == 404
    client.force_login(spain.lea)
    refused = client.post(f"{API}/posts/{post['id']}/approve")
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    client.force_login(spain.teacher)
    pending = client.get(f"{API}/blogs/{blog_id}/pending").json()
    assert [item["id"] for item in pending] == [post["id"]]
    assert client.post(f"{API}/posts/{post['id']}/approve").json()["status"] == "PUBLISHED"
    client.force_login(spain.petit)
    front = client.get(f"{API}/blogs/{blog_id}").json()
    assert [item["title"] for item in front["posts"]] == ["Arrivée"]
    assert front["may_write"] is False
    comment = client.post(
        f"{API}/posts/{post['id']}/comments", {"body": "Bravo"}, content_type="application/json"
    )
    assert (comment.status_code, comment.json()["status"]) == (201, "PENDING")


def test_the_api_answers_401_404_403_and_422(client, spain, blog):
    post = post_in(blog, spain.teacher)
    assert client.get(f"{API}/blogs/{blog.pk}").status_code == 401
    client.force_login(spain.outsider)
    assert client.get(f"{API}/blogs/{blog.pk}").status_code == 404
    assert client.get(f"{API}/posts/{post.pk}").status_code == 404
    client.force_login(spain.petit)
    response = client.post(
        f"{API}/blogs/{blog.pk}/posts", {"title": "X", "body": "Y"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "You may not write in this blog."
    assert client.get(f"{API}/blogs/{blog.pk}/export").status_code == 403
    assert client.get(f"{API}/blogs/{blog.pk}/rights").status_code == 403
    client.force_login(spain.teacher)
    bad = client.post(
        f"{API}/blogs/{blog.pk}/rights",
        {"grantee": "class-999999-pupils", "role": 10},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["detail"] == "Choose a class or a group of the blog's school."
    infected = client.post(
        f"{API}/posts/{post.pk}/media",
        {"files": [SimpleUploadedFile("virus.png", EICAR, content_type="image/png")]},
    )
    assert infected.status_code == 422
    assert not Media.objects.exists()
    assert client.get(f"{API}/blogs/{blog.pk}/export").json()["format"] == "ent-blog/1"


def test_an_oversized_upload_through_the_api_is_a_422(client, spain, blog, settings):
    post = post_in(blog, spain.teacher)
    settings.ENT_UPLOAD_MAX_BYTES = 50
    client.force_login(spain.teacher)
    response = client.post(
        f"{API}/posts/{post.pk}/media",
        {"files": [SimpleUploadedFile("big.png", png(64), content_type="image/png")]},
    )
    assert response.status_code == 422
    assert "big.png is too large" in response.json()["detail"]
    post.refresh_from_db()
    assert "<img" not in post.body


def test_pages_are_written_opened_to_the_internet_and_rights_taken_back(client, spain, blog):
    client.force_login(spain.teacher)
    page = client.post(
        f"{API}/blogs/{blog.pk}/pages",
        {"title": "Programme", "body": "Madrid"},
        content_type="application/json",
    ).json()
    assert page["status"] == Status.PUBLISHED
    opened = client.post(
        f"{API}/pages/{page['id']}/visibility", {"is_public": True}, content_type="application/json"
    )
    assert opened.json()["is_public"] is True
    rights = client.get(f"{API}/blogs/{blog.pk}/rights").json()
    assert client.delete(f"{API}/rights/{rights[0]['id']}").status_code == 204
    assert len(client.get(f"{API}/blogs/{blog.pk}/rights").json()) == len(rights) - 1
    assert Blog.objects.get().pk == blog.pk
    assert Post.objects.count() == 0
