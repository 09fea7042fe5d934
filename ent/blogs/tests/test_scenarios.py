"""Scenario 15 of the user specification: a class blog with moderation, intranet and public."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ent.blogs.models import Blog, Media, Page, Post, Role, Status

from .factories import png


@pytest.mark.sdet(
    "UTI-CCO-PWE-00", "UTI-CCO-PWE-01", "UTI-CCO-PWE-02", "UTI-CCO-PWE-03", "UTI-CCO-PWE-04"
)
def test_scenario_15_class_blog_with_moderation_and_one_public_page(client, spain):
    teacher, lea, petit = spain.teacher, spain.lea, spain.petit
    class_4b = spain.world.class_4b

    # Mme Dupont opens "Voyage en Espagne 4B", intranet only, read by 4B and its families.
    client.force_login(teacher)
    response = client.post(
        reverse("blogs:blog-create"),
        {
            "school": teacher.memberships.get().school_id,
            "title": "Voyage en Espagne 4B",
            "description": "Le carnet de voyage de la classe.",
            "visibility": "INTRANET",
            "allows_comments": "on",
            "readers": [f"class-{class_4b.pk}-guardians", f"class-{class_4b.pk}-teachers"],
        },
    )
    blog = Blog.objects.get(title="Voyage en Espagne 4B")
    assert response.status_code == 302
    assert response["Location"] == reverse("blogs:blog-read", args=[blog.pk])
    # ... gives the pupils of 4B "write" and herself "publish/moderate".
    rights_url = reverse("blogs:blog-rights", args=[blog.pk])
    response = client.post(
        rights_url, {"grantee": f"class-{class_4b.pk}-pupils", "role": Role.WRITE}
    )
    assert response.status_code == 302
    response = client.post(rights_url, {"login": teacher.login, "role": Role.MODERATE})
    assert response.status_code == 302
    page = client.get(rights_url).content.decode()
    assert "Pupils of 4B" in page or "Élèves de 4B" in page

    # Léa writes a post with a photo: it stays pending.
    client.force_login(lea)
    response = client.post(
        reverse("blogs:post-create", args=[blog.pk]),
        {
            "title": "Arrivée à Madrid",
            "body": "Nous sommes arrivés !\n\nIl fait beau.",
            "uploads": [SimpleUploadedFile("madrid.png", png(), content_type="image/png")],
            "media_description": "La Puerta del Sol",
        },
    )
    post = Post.objects.get(title="Arrivée à Madrid")
    assert response.status_code == 302
    assert post.status == Status.PENDING
    photo = Media.objects.get(post=post)
    assert f'<img src="{photo.get_absolute_url()}" alt="La Puerta del Sol">' in post.body
    # Pending: Léa sees it as waiting; the other readers do not see it at all.
    assert client.get(post.get_absolute_url()).status_code == 200
    client.force_login(petit)
    assert client.get(post.get_absolute_url()).status_code == 404
    assert client.get(photo.get_absolute_url()).status_code == 404
    assert "Arrivée à Madrid" not in client.get(blog.get_absolute_url()).content.decode()

    # Mme Dupont validates it: 4B's members and parents read it, with the photo.
    client.force_login(teacher)
    assert (
        "Arrivée à Madrid"
        in client.get(reverse("blogs:blog-moderation", args=[blog.pk])).content.decode()
    )
    assert client.post(reverse("blogs:post-approve", args=[post.pk])).status_code == 302
    for reader in (petit, spain.hugo, lea, teacher):
        client.force_login(reader)
        assert "Arrivée à Madrid" in client.get(blog.get_absolute_url()).content.decode()
        assert client.get(post.get_absolute_url()).status_code == 200
        photo_response = client.get(photo.get_absolute_url())
        assert photo_response.status_code == 200
        assert photo_response["Content-Type"] == "image/png"
        assert photo_response["X-Content-Type-Options"] == "nosniff"
    # Tom (5C) and a teacher of another school: as if the blog did not exist.
    for stranger in (spain.tom, spain.outsider):
        client.force_login(stranger)
        assert client.get(blog.get_absolute_url()).status_code == 404
        assert client.get(post.get_absolute_url()).status_code == 404
    # An anonymous visitor is sent to the login page.
    client.logout()
    for url in (blog.get_absolute_url(), post.get_absolute_url(), photo.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("identity:login"))

    # She adds a page and opens it to the Internet: the anonymous visitor reads it, and it only.
    client.force_login(teacher)
    client.post(
        reverse("blogs:page-create", args=[blog.pk]),
        {"title": "Programme du voyage", "body": "<p>Madrid, Tolède, Séville.</p>"},
    )
    client.post(
        reverse("blogs:page-create", args=[blog.pk]),
        {"title": "Liste des chambres", "body": "Chambre 1 : Léa"},
    )
    open_page = Page.objects.get(title="Programme du voyage")
    closed_page = Page.objects.get(title="Liste des chambres")
    response = client.post(reverse("blogs:page-visibility", args=[open_page.pk]), {"public": "1"})
    assert response.status_code == 302
    client.logout()
    public = client.get(open_page.get_absolute_url())
    assert public.status_code == 200
    assert "Madrid, Tolède, Séville." in public.content.decode()
    assert "Arrivée à Madrid" not in public.content.decode()
    for url in (closed_page.get_absolute_url(), blog.get_absolute_url(), post.get_absolute_url()):
        assert client.get(url).status_code == 302
