"""The pupil_records REST endpoints (filled in by the app)."""

from ninja import Router

router = Router(tags=["pupil_records"])
