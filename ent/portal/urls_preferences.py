"""The personalisation pages, appended to the portal's URLconf (namespace "portal")."""

from django.urls import path

from . import views_preferences

urlpatterns = [
    path("preferences/", views_preferences.preferences, name="preferences"),
    path(
        "preferences/etablissement/<int:school_id>/",
        views_preferences.layout,
        name="layout",
    ),
    path(
        "preferences/etablissement/<int:school_id>/page-publique/",
        views_preferences.school_page_edit,
        name="school-page-edit",
    ),
]
