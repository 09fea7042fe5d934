"""Rich text that people write (mail, forum posts, news, blogs), made safe to show.

Every service that stores HTML from a person cleans it here, once, when it is written; what is
stored is what is shown. Scripts, event handlers, styles and `javascript:` links are removed by
ammonia (through nh3), a maintained HTML sanitiser, never by a pattern of ours.
"""

from __future__ import annotations

import html
import re

import nh3

# What the editors produce: paragraphs, emphasis, lists, links, quotes, headings, simple tables.
TAGS = frozenset(
    {
        "p", "br", "strong", "b", "em", "i", "u", "s", "ul", "ol", "li", "a", "blockquote",
        "h2", "h3", "h4", "code", "pre", "hr", "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
# Blogs and pages also show images and videos that their authors uploaded.
MEDIA_TAGS = frozenset({"img", "figure", "figcaption", "video", "source"})
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "video": {"src", "controls", "width", "height"},
    "source": {"src", "type"},
    "th": {"scope"},
}
SCHEMES = frozenset({"http", "https", "mailto"})
_URL = re.compile(r"\bhttps?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]", re.IGNORECASE)


def clean_html(value: str, *, media: bool = False) -> str:
    """Return `value` with only harmless markup left; links open safely in a new context."""
    return nh3.clean(
        value.replace("\x00", ""),
        tags=set(TAGS | MEDIA_TAGS) if media else set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(SCHEMES),
        link_rel="noopener noreferrer nofollow",
    )


def linkify(text: str) -> str:
    """Render plain text as HTML: escaped, line breaks kept, http(s) addresses made clickable."""
    escaped = html.escape(text.replace("\x00", ""), quote=True)
    linked = _URL.sub(
        lambda m: f'<a href="{m.group(0)}" rel="noopener noreferrer nofollow">{m.group(0)}</a>',
        escaped,
    )
    return linked.replace("\r\n", "\n").replace("\n", "<br>\n")


def to_text(value: str) -> str:
    """The words of an HTML fragment, for a plain-text part, a summary or the search index."""
    without_tags = nh3.clean(re.sub(r"<(br|/p|/li|/h\d)\b[^>]*>", "\n", value), tags=set())
    return re.sub(r"\n{3,}", "\n\n", html.unescape(without_tags)).strip()
