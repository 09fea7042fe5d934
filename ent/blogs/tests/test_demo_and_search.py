"""The demo blogs of `ent demo setup`, and what the search service indexes from the blogs."""

from __future__ import annotations

import pytest

from ent.blogs import actions, demo_content
from ent.blogs.models import Blog, Comment, Page, Post, Status
from ent.blogs.search import SOURCES
from ent.exchange.actions import import_feed
from ent.rights.actions import install_default_grants

from .factories import class_blog, post_in


@pytest.mark.django_db
def test_the_demo_adds_a_class_blog_and_a_public_school_page_once(academy):
    for complete in sorted(academy.glob("ENT*D.*.Complet")):
        import_feed(actor=None, path=complete)
    install_default_grants(actor=None)
    demo_content.populate(log=lambda line: None)
    class_blog_ = Blog.objects.get(title__startswith=demo_content.CLASS_BLOG)
    assert not class_blog_.is_public
    assert Post.objects.filter(blog=class_blog_, status=Status.PUBLISHED).count() == 2
    assert Post.objects.filter(blog=class_blog_, status=Status.PENDING).count() == 1
    assert Comment.objects.filter(status=Status.PUBLISHED).exists()
    school_blog = Blog.objects.get(title=demo_content.SCHOOL_BLOG)
    assert school_blog.is_public
    assert Page.objects.visible_to(None).filter(blog=school_blog).exists()
    counts = (Blog.objects.count(), Post.objects.count(), Page.objects.count())
    demo_content.populate(log=lambda line: None)
    assert (Blog.objects.count(), Post.objects.count(), Page.objects.count()) == counts


def test_the_search_sources_find_posts_and_pages_only_for_their_readers(
    spain, django_assert_num_queries
):
    post_source, page_source = SOURCES
    blog = class_blog(spain.teacher, spain.world.class_4b)
    post = post_in(blog, spain.teacher, body="<p>Le <b>Prado</b></p>")
    page = actions.write_page(actor=spain.teacher, blog=blog, title="Programme", body="Madrid")
    pending = post_in(blog, spain.lea, title="En attente")
    assert post_source.text(post) == (post.title, "Le Prado")
    assert post_source.url(post) == post.get_absolute_url()
    with django_assert_num_queries(0):
        post_source.visible_to(spain.petit)
        page_source.visible_to(spain.petit)
    assert list(post_source.visible_to(spain.petit)) == [post]
    assert set(post_source.visible_to(spain.lea)) == {post, pending}
    assert list(page_source.visible_to(spain.petit)) == [page]
    for stranger in (spain.tom, spain.outsider):
        assert not post_source.visible_to(stranger).exists()
        assert not page_source.visible_to(stranger).exists()
