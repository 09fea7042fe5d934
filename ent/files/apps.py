from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ent.notifications.events import APP, NotificationKind
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
            # UTI-UTL-ESF-00: every member of the school community has a space; guests do not.
            defaults=tuple(DefaultGrant(p, Level.USE) for p in sorted(ALL_PROFILES - {"GST"})),
        ),
    )
    notification_kinds = (
        NotificationKind(
            "files.shared", _("A document or folder shared with you"), frozenset({APP})
        ),
        NotificationKind("files.quota", _("Your documents space is nearly full"), frozenset({APP})),
        NotificationKind(
            "files.scan", _("The antivirus checked a document in quarantine"), frozenset({APP})
        ),
    )

    def ready(self) -> None:
        from ent.core import attachments
        from ent.directory.actions import register_purge_hook

        from .actions import erase_person_files
        from .queries import file_source

        register_purge_hook(erase_person_files)
        attachments.register(file_source())
