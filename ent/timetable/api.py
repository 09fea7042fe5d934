"""The timetable REST endpoints (filled in by the app)."""

from ninja import Router

router = Router(tags=["timetable"])
