from django.urls import path

from . import views

app_name = "forums"

urlpatterns = [
    path("", views.home, name="home"),
    path("nouveau/", views.space_create, name="space-create"),
    path("<int:space_id>/", views.space, name="space"),
    path("<int:space_id>/fils/", views.thread_create, name="thread-create"),
    path("<int:space_id>/modifier/", views.space_edit, name="space-edit"),
    path("<int:space_id>/supprimer/", views.space_delete, name="space-delete"),
    path("<int:space_id>/membres/", views.members, name="members"),
    path("<int:space_id>/membres/inviter/", views.invite, name="invite"),
    path("<int:space_id>/membres/liste/", views.invite_list, name="invite-list"),
    path("<int:space_id>/rejoindre/", views.join, name="join"),
    path("<int:space_id>/quitter/", views.leave, name="leave"),
    path("<int:space_id>/reception/", views.delivery, name="delivery"),
    path("<int:space_id>/archive.<str:fmt>", views.archive, name="archive"),
    path("fils/<int:thread_id>/", views.thread, name="thread"),
    path("messages/<int:post_id>/repondre/", views.post_reply, name="post-reply"),
    path("messages/<int:post_id>/masquer/", views.post_hide, name="post-hide"),
    path("abonnements/<int:subscription_id>/", views.member_update, name="member-update"),
    path(
        "abonnements/<int:subscription_id>/accepter/", views.member_approve, name="member-approve"
    ),
    path("abonnements/<int:subscription_id>/refuser/", views.member_refuse, name="member-refuse"),
    path("abonnements/<int:subscription_id>/retirer/", views.member_remove, name="member-remove"),
]
