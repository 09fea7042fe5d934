from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ent.rights.registry import PROFILES as ALL_PROFILES
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration


class MessagingConfig(AppConfig):
    name = "ent.messaging"
    label = "messaging"
    verbose_name = _("Mail")
    sdet = ("UTI-CCO-CEL",)
    services = (
        ServiceDeclaration(
            code="messaging",
            label=_("Mail"),
            url_name="messaging:home",
            icon="mail",
            # The helper owning this app sets the real defaults per profile.
            defaults=tuple(DefaultGrant(p, Level.USE) for p in sorted(ALL_PROFILES - {"GST"})),
        ),
    )
