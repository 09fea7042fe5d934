from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ent.rights.registry import PROFILES as ALL_PROFILES
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration


class AddressbookConfig(AppConfig):
    name = "ent.addressbook"
    label = "addressbook"
    verbose_name = _("White pages and address book")
    sdet = ("UTI-IDO-PBL", "UTI-IDO-CAD")
    services = (
        ServiceDeclaration(
            code="addressbook",
            label=_("Directory and address book"),
            url_name="addressbook:index",
            icon="people",
            # SDET §9.2: a guest (tutor, partner) reaches only what is shared with them.
            defaults=tuple(
                DefaultGrant(profile, Level.USE) for profile in sorted(ALL_PROFILES - {"GST"})
            ),
        ),
    )

    def ready(self) -> None:
        from ent.directory.actions import register_purge_hook

        from .actions import erase_person_data

        register_purge_hook(erase_person_data)
