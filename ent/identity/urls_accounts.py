"""URLs of account lifecycle: activation, cards, recovery, back-office (included by urls.py)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
