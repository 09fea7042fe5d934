from ninja import Router
from ninja.security import SessionAuth

router = Router(tags=["moderation"], auth=SessionAuth())
