from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from .registry import DefaultGrant, Level, ServiceDeclaration


class RightsConfig(AppConfig):
    name = "ent.rights"
    label = "rights"
    verbose_name = _("Rights")
    sdet = ("SOC-SEC-AUT",)
    # The school's own administration: the back-office gates on it, heads delegate it.
    services = (
        ServiceDeclaration(
            code="school_admin",
            label=_("School administration"),
            defaults=(
                DefaultGrant("DIR", Level.MANAGE),
                DefaultGrant("ETA", Level.MANAGE),
            ),
        ),
    )

    def ready(self) -> None:
        from django.core import checks

        from .registry import check_service_declarations

        checks.register(check_service_declarations)
