from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    name = "ent.backoffice"
    label = "backoffice"
    verbose_name = _("School administration")
    sdet = ("SOC-SUP-ABO",)
