from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "ent.portal"
    label = "portal"
    verbose_name = _("Portal")
    sdet = ("SOC-POR-PRE", "SOC-POR-PPO", "SOC-POR-GMC", "UTI-UTL-PER")
