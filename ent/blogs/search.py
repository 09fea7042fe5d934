"""What the search service indexes from the blogs: the posts and pages a person may read."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ent.core.html import to_text
from ent.core.search import SearchSource

from .models import SERVICE, Page, Post

SOURCES = (
    SearchSource(
        code="blogs.post",
        label=_("Blog posts"),
        model=Post,
        text=lambda post: (post.title, to_text(post.body)),
        url=lambda post: post.get_absolute_url(),
        visible_to=lambda person: Post.objects.visible_to(person),
        service=SERVICE,
        updated_field="updated_at",
        summary=lambda post: post.blog.title,
        author=lambda post: post.author.display_name if post.author else "",
        happened_at=lambda post: post.published_at or post.created_at,
        queryset=lambda: Post.objects.select_related("author", "blog"),
    ),
    SearchSource(
        code="blogs.page",
        label=_("Blog pages"),
        model=Page,
        text=lambda page: (page.title, to_text(page.body)),
        url=lambda page: page.get_absolute_url(),
        visible_to=lambda person: Page.objects.visible_to(person),
        service=SERVICE,
        updated_field="updated_at",
        summary=lambda page: page.blog.title,
        author=lambda page: page.author.display_name if page.author else "",
        happened_at=lambda page: page.updated_at,
        queryset=lambda: Page.objects.select_related("author", "blog"),
    ),
)
