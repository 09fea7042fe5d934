"""The liaison_book REST endpoints (filled in by the app)."""

from ninja import Router

router = Router(tags=["liaison_book"])
