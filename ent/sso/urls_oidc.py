"""URLs of the OIDC side of single sign-on (included by urls.py). The discovery document sits
at the root, where OpenID Connect Discovery looks for it; the endpoints under /oauth/."""

from django.urls import URLPattern, path

from . import views_oidc

urlpatterns: list[URLPattern] = [
    path(".well-known/openid-configuration", views_oidc.discovery, name="oidc-discovery"),
    path("oauth/authorize", views_oidc.AuthorizeView.as_view(), name="oidc-authorize"),
    path("oauth/token", views_oidc.TokenView.as_view(), name="oidc-token"),
    path("oauth/userinfo", views_oidc.UserInfoView.as_view(), name="oidc-userinfo"),
    path("oauth/jwks", views_oidc.jwks, name="oidc-jwks"),
    path("oauth/revoke", views_oidc.revoke, name="oidc-revoke"),
    path("oauth/logout", views_oidc.LogoutView.as_view(), name="oidc-logout"),
]
