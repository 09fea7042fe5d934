"""URLs of the CAS side of single sign-on (included by urls.py), at the paths the Apereo CAS
protocol names under /cas/."""

from django.urls import URLPattern, path

from . import views_cas

urlpatterns: list[URLPattern] = [
    path("cas/login", views_cas.login, name="cas-login"),
    path("cas/logout", views_cas.logout, name="cas-logout"),
    path("cas/validate", views_cas.validate, name="cas-validate"),
    path(
        "cas/serviceValidate",
        views_cas.service_validate,
        {"accept_proxy": False, "release": False},
        name="cas-service-validate",
    ),
    path(
        "cas/proxyValidate",
        views_cas.service_validate,
        {"accept_proxy": True, "release": False},
        name="cas-proxy-validate",
    ),
    path(
        "cas/p3/serviceValidate",
        views_cas.service_validate,
        {"accept_proxy": False, "release": True},
        name="cas-p3-service-validate",
    ),
    path(
        "cas/p3/proxyValidate",
        views_cas.service_validate,
        {"accept_proxy": True, "release": True},
        name="cas-p3-proxy-validate",
    ),
    path("cas/proxy", views_cas.proxy, name="cas-proxy"),
    path("cas/samlValidate", views_cas.saml_validate, name="cas-saml-validate"),
]
