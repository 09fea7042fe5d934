"""The lesson_log REST endpoints (filled in by the app)."""

from ninja import Router

router = Router(tags=["lesson_log"])
