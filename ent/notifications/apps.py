from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from .events import APP, EMAIL, STAFF, NotificationKind


class NotificationsConfig(AppConfig):
    name = "ent.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
    sdet = ("UTI-UTL-NOT",)
    notification_kinds = (
        # SDET §11.2.5: a canteen closure or a transport problem may go by SMS to guardians and
        # staff who chose it; pupils never get an SMS.
        NotificationKind(
            code="school.alert",
            label=_("Alerts from the school"),
            default_channels=frozenset({APP, EMAIL}),
            sms_profiles=STAFF | {"TUT"},
            body_in_messages=True,
        ),
    )

    def ready(self) -> None:
        from django.core import checks

        from .events import check_kinds

        checks.register(check_kinds)
