"""The personalisation pages, appended to the portal's URLconf (namespace "portal")."""

from django.urls import path

from . import views_preferences

urlpatterns = [
    path("preferences/", views_preferences.preferences, name="preferences"),
]
