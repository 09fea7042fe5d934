from django.urls import path

from . import views

app_name = "chat"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:conversation_id>/", views.conversation, name="conversation"),
    path("<int:conversation_id>/ecrire/", views.post, name="message-post"),
    path("<int:conversation_id>/rejoindre/", views.join, name="channel-join"),
    path("<int:conversation_id>/quitter/", views.leave, name="conversation-leave"),
    path("<int:conversation_id>/gerer/", views.channel_manage, name="channel-manage"),
    path("<int:conversation_id>/supprimer/", views.channel_delete, name="channel-delete"),
    path("prive/", views.direct, name="direct-open"),
    path("statut/", views.status, name="status-set"),
    path("contacts/", views.contacts, name="contacts"),
    path("contacts/<int:person_id>/retirer/", views.contact_remove, name="contact-remove"),
    path("canaux/nouveau/", views.channel_new, name="channel-new"),
    path("regles/", views.policies_home, name="policies-home"),
    path("regles/<int:school_id>/", views.policies, name="policies"),
]
