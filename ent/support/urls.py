from django.urls import path

from . import views

app_name = "support"

urlpatterns = [
    path("", views.guide_index, name="guide"),
    # UTI-UTL-AID-01: "Help on this page" links here with the page's URL name ("portal:home").
    path("page/<str:view_name>/", views.page_help, name="page-help"),
    path("demandes/", views.ticket_list, name="ticket-list"),
    path("demandes/nouvelle/", views.ticket_new, name="ticket-new"),
    path("demandes/<int:ticket_id>/", views.ticket_detail, name="ticket-detail"),
    path("demandes/<int:ticket_id>/commentaire", views.ticket_comment, name="ticket-comment"),
    path(
        "demandes/<int:ticket_id>/prise-en-charge",
        views.ticket_acknowledge,
        name="ticket-acknowledge",
    ),
    path("demandes/<int:ticket_id>/escalade", views.ticket_escalate, name="ticket-escalate"),
    path("demandes/<int:ticket_id>/resolution", views.ticket_resolve, name="ticket-resolve"),
    path("demandes/<int:ticket_id>/cloture", views.ticket_close, name="ticket-close"),
    path("demandes/<int:ticket_id>/reouverture", views.ticket_reopen, name="ticket-reopen"),
    path("etablissements/<int:school_id>/demandes/", views.school_queue, name="queue"),
    path("niveau-2/", views.level_two_queue, name="level-two"),
    path("supervision/", views.oversight, name="oversight"),
    # Last: a topic's slug never shadows the pages above.
    path("<slug:slug>/", views.guide_topic, name="topic"),
]
