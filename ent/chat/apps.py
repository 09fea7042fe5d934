from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ent.rights.registry import PROFILES as ALL_PROFILES
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration


class ChatConfig(AppConfig):
    name = "ent.chat"
    label = "chat"
    verbose_name = _("Instant messaging")
    sdet = ("UTI-CCO-MIN",)
    services = (
        ServiceDeclaration(
            code="chat",
            label=_("Instant messaging"),
            url_name="chat:home",
            icon="chat",
            # The helper owning this app sets the real defaults per profile.
            defaults=tuple(DefaultGrant(p, Level.USE) for p in sorted(ALL_PROFILES - {"GST"})),
        ),
    )
