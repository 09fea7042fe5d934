"""URLs of the OIDC side of single sign-on (included by urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
