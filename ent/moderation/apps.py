from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ent.notifications.events import APP, NotificationKind


class ModerationConfig(AppConfig):
    name = "ent.moderation"
    label = "moderation"
    verbose_name = _("Moderation")
    sdet = ("UTI-CCO-EEC", "UTI-CCO-PWE")
    # Item 8 of issue 6: moderators hear of each report on what they moderate.
    notification_kinds = (
        NotificationKind(
            "moderation.report", _("New report on content you moderate"), frozenset({APP})
        ),
    )
