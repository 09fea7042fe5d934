from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "ent.sso"
    label = "sso"
    verbose_name = _("Single sign-on")
    sdet = ("SOC-SEC-PII", "SOC-INT-ASE")

    def ready(self) -> None:
        from ent.identity.session import register_session_end_hook
        from ent.rights.registry import add_source

        from .actions import log_out_services
        from .queries import connector_declarations

        register_session_end_hook(log_out_services)
        # Approved connectors with a service code join the catalogue that grants name.
        add_source(connector_declarations)
        # Importing the CAS module registers its logout sender and its session-end hook; the
        # OIDC module registers its back-channel logout sender.
        # The SAML identity provider registers its logout sender.
        from . import cas, oidc, saml_idp  # noqa: F401
