"""What the search service indexes from the discussion spaces: posts, for their members only."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ent.core.search import SearchSource

from .models import SERVICE, Post
from .queries import post_url

SOURCES = (
    SearchSource(
        code="forums.post",
        label=_("Discussion space messages"),
        model=Post,
        text=lambda post: (post.subject or (post.thread.subject if post.thread else ""), post.body),
        url=post_url,
        visible_to=lambda person: Post.objects.visible_to(person).filter(hidden_at=None),
        service=SERVICE,
        updated_field="updated_at",
        summary=lambda post: post.space.title,
        author=lambda post: post.author.display_name if post.author else "",
        happened_at=lambda post: post.created_at,
        queryset=lambda: Post.objects.select_related("author", "space", "thread"),
    ),
)
