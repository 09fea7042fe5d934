from typing import Any

from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, Any]:
    """Expose the page frame's data (contexts, presentation aids, unread count) to templates."""
    return {}
