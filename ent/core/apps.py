from django.apps import AppConfig, apps
from django.core import checks
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "ent.core"
    label = "core"
    verbose_name = _("Core")
    sdet: tuple[str, ...] = ("SOC-SUP-HEB",)

    def ready(self) -> None:
        checks.register(check_sdet_declarations)


def check_sdet_declarations(**kwargs: object) -> list[checks.CheckMessage]:
    """Fail any ENT app that does not declare its SDET services and a translated name."""
    from ent.core.sdet import requirements

    known = {requirement.service for requirement in requirements().values()}
    known |= {service.rsplit("-", 1)[0] for service in known}
    errors: list[checks.CheckMessage] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("ent."):
            continue
        declared = getattr(config, "sdet", None)
        if not declared:
            errors.append(
                checks.Error(
                    f"{config.name} declares no SDET service (AppConfig.sdet).", id="ent.E001"
                )
            )
            continue
        errors.extend(
            checks.Error(f"{config.name} declares unknown SDET service {code}.", id="ent.E002")
            for code in declared
            if code not in known
        )
        if not isinstance(config.verbose_name, Promise):
            errors.append(
                checks.Error(f"{config.name} has no translated verbose_name.", id="ent.E003")
            )
    return errors
