"""The school's back-office, mounted at /gestion/."""

from django.urls import URLPattern, path

from . import views

app_name = "backoffice"

urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("<int:school_id>/", views.dashboard, name="dashboard"),
    path("<int:school_id>/externes/", views.externals, name="externals"),
    path("<int:school_id>/externes/creer", views.external_create, name="external-create"),
    path(
        "<int:school_id>/externes/<uuid:uuid>/validite",
        views.external_validity,
        name="external-validity",
    ),
    path("<int:school_id>/externes/<uuid:uuid>/terminer", views.external_end, name="external-end"),
    path("<int:school_id>/habilitations/", views.grants, name="grants"),
    path("<int:school_id>/habilitations/ajouter", views.grant_add, name="grant-add"),
    path(
        "<int:school_id>/habilitations/<int:grant_id>/<slug:operation>",
        views.grant_change,
        name="grant-change",
    ),
    path("<int:school_id>/delegations/", views.delegations, name="delegations"),
    path("<int:school_id>/delegations/ajouter", views.delegation_add, name="delegation-add"),
    path(
        "<int:school_id>/delegations/<int:delegation_id>/revoquer",
        views.delegation_revoke,
        name="delegation-revoke",
    ),
    path("<int:school_id>/communication/", views.communication, name="communication"),
    path("<int:school_id>/connecteurs/", views.connectors, name="connectors"),
    path(
        "<int:school_id>/connecteurs/<int:service_id>/approuver",
        views.connector_approve,
        name="connector-approve",
    ),
    path(
        "<int:school_id>/connecteurs/<int:service_id>/desactiver",
        views.connector_disable,
        name="connector-disable",
    ),
    path("<int:school_id>/statistiques/", views.statistics, name="statistics"),
    path("<int:school_id>/statistiques/export.csv", views.statistics_csv, name="statistics-csv"),
]
