from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ent.rights.registry import PROFILES as ALL_PROFILES
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration


class FilesConfig(AppConfig):
    name = "ent.files"
    label = "files"
    verbose_name = _("My documents")
    sdet = ("UTI-UTL-ESF",)
    services = (
        ServiceDeclaration(
            code="files",
            label=_("My documents"),
            url_name="files:home",
            icon="folder",
            # The helper owning this app sets the real defaults per profile.
            defaults=tuple(DefaultGrant(p, Level.USE) for p in sorted(ALL_PROFILES - {"GST"})),
        ),
    )
