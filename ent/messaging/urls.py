from django.urls import path

from . import views

app_name = "messaging"
urlpatterns = [
    path("", views.home, name="home"),
    path("dossiers/", views.folders, name="folders"),
    path("dossiers/<int:folder_id>/", views.folder, name="folder"),
    path("dossiers/<int:folder_id>/renommer/", views.folder_rename, name="folder-rename"),
    path("dossiers/<int:folder_id>/supprimer/", views.folder_delete, name="folder-delete"),
    path("messages/<int:entry_id>/", views.message, name="message"),
    path(
        "messages/<int:entry_id>/pieces-jointes/<int:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
    path("ecrire/", views.compose, name="compose"),
    path("lot/", views.batch, name="batch"),
    path("recherche/", views.search, name="search"),
    path("reglages/", views.mail_settings, name="settings"),
    path("reglages/absence/", views.settings_auto_reply, name="settings-auto-reply"),
    path("reglages/bloquer/", views.settings_block, name="settings-block"),
    path(
        "reglages/bloquer/<int:blocked_id>/retirer/",
        views.settings_unblock,
        name="settings-unblock",
    ),
    path("reglages/transfert/", views.settings_forwarding, name="settings-forwarding"),
    path("reglages/signature/", views.settings_signature, name="settings-signature"),
    path("politique/", views.policy, name="policy"),
]
