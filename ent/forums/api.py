from ninja import Router

from ent.rights.decorators import ServiceAuth

router = Router(tags=["forums"], auth=ServiceAuth("forums"))
