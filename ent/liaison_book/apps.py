from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration


class LiaisonBookConfig(AppConfig):
    name = "ent.liaison_book"
    label = "liaison_book"
    verbose_name = _("Liaison book")
    sdet = ("UTI-AVE-CLI",)
    services = (
        ServiceDeclaration(
            code="liaison_book",
            label=_("Liaison book"),
            url_name="liaison_book:home",
            icon="notebook",
            defaults=(
                DefaultGrant("ELV", Level.READ),
                DefaultGrant("TUT", Level.USE),
                DefaultGrant("ENS", Level.USE),
                DefaultGrant("EVS", Level.USE),
                DefaultGrant("DIR", Level.MANAGE),
            ),
        ),
    )
