"""Authentication URLs, mounted under /auth/, with the account lifecycle's (urls_accounts.py)."""

from django.urls import URLPattern, URLResolver, path

from . import urls_accounts, views

app_name = "identity"

urlpatterns: list[URLPattern | URLResolver] = [
    path("login", views.login, name="login"),
    path("logout", views.logout, name="logout"),
    path("code", views.code, name="code"),
    path("totp", views.totp, name="totp"),
    *urls_accounts.urlpatterns,
]
