from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ent.rights.registry import PROFILES as ALL_PROFILES
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration


class BlogsConfig(AppConfig):
    name = "ent.blogs"
    label = "blogs"
    verbose_name = _("Blogs and web pages")
    sdet = ("UTI-CCO-PWE",)
    services = (
        ServiceDeclaration(
            code="blogs",
            label=_("Blogs and web pages"),
            url_name="blogs:home",
            icon="blog",
            # The helper owning this app sets the real defaults per profile.
            defaults=tuple(DefaultGrant(p, Level.USE) for p in sorted(ALL_PROFILES - {"GST"})),
        ),
    )
