from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "ent.search"
    label = "search"
    verbose_name = _("Search")
    sdet = ("SOC-POR-MDR", "UTI-IDO-REC")

    def ready(self) -> None:
        from ent.directory.actions import register_purge_hook

        from . import registry
        from .actions import erase_person_data

        # SOC-POR-MDR-04: every app's search.py declares what it gives to the index.
        registry.discover()
        register_purge_hook(erase_person_data)
