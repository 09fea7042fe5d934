from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "ent.exchange"
    label = "exchange"
    verbose_name = _("Feeds and exchanges")
    sdet = ("SOC-INT-IED",)
