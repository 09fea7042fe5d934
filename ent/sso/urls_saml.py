"""URLs of the SAML side of single sign-on (included by urls.py): the ENT's identity provider
under /saml/idp/, its federation service provider under /saml/sp/, and the discovery page."""

from django.urls import URLPattern, path

from . import views_saml

urlpatterns: list[URLPattern] = [
    path("saml/idp/metadata", views_saml.idp_metadata, name="saml-idp-metadata"),
    path("saml/idp/sso", views_saml.idp_sso, name="saml-idp-sso"),
    path("saml/idp/sso/continue", views_saml.idp_continue, name="saml-idp-continue"),
    path("saml/idp/slo", views_saml.idp_slo, name="saml-idp-slo"),
    path("saml/idp/slo/continue", views_saml.idp_slo_continue, name="saml-idp-slo-continue"),
    path("saml/sp/metadata", views_saml.sp_metadata, name="saml-sp-metadata"),
    path("saml/sp/login/<slug:slug>", views_saml.sp_login, name="saml-sp-login"),
    path("saml/sp/acs", views_saml.sp_acs, name="saml-sp-acs"),
    path("saml/sp/choose", views_saml.sp_choose, name="saml-sp-choose"),
    path("saml/sp/slo", views_saml.sp_slo, name="saml-sp-slo"),
    path("saml/sp/slo/continue", views_saml.sp_slo_continue, name="saml-sp-slo-continue"),
    path("auth/discovery", views_saml.discovery, name="discovery"),
]
