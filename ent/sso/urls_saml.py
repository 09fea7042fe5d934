"""URLs of the SAML side of single sign-on (included by urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
