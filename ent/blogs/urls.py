from django.urls import path

from . import views

app_name = "blogs"
urlpatterns = [
    path("", views.home, name="home"),
    path("nouveau/", views.blog_create, name="blog-create"),
    path("<int:blog_id>/", views.blog_read, name="blog-read"),
    path("<int:blog_id>/reglages/", views.blog_edit, name="blog-edit"),
    path("<int:blog_id>/supprimer/", views.blog_delete, name="blog-delete"),
    path("<int:blog_id>/droits/", views.blog_rights, name="blog-rights"),
    path("<int:blog_id>/moderation/", views.blog_moderation, name="blog-moderation"),
    path("<int:blog_id>/export/", views.blog_export, name="blog-export"),
    path("<int:blog_id>/ecrire/", views.post_create, name="post-create"),
    path("<int:blog_id>/pages/nouvelle/", views.page_create, name="page-create"),
    path("droits/<int:right_id>/retirer/", views.right_revoke, name="right-revoke"),
    path("billets/<int:post_id>/", views.post_read, name="post-read"),
    path("billets/<int:post_id>/modifier/", views.post_edit, name="post-edit"),
    path("billets/<int:post_id>/supprimer/", views.post_delete, name="post-delete"),
    path("billets/<int:post_id>/valider/", views.post_approve, name="post-approve"),
    path("billets/<int:post_id>/refuser/", views.post_reject, name="post-reject"),
    path("billets/<int:post_id>/commenter/", views.comment_create, name="comment-create"),
    path("commentaires/<int:comment_id>/valider/", views.comment_approve, name="comment-approve"),
    path("commentaires/<int:comment_id>/refuser/", views.comment_reject, name="comment-reject"),
    path("pages/<int:page_id>/", views.page_read, name="page-read"),
    path("pages/<int:page_id>/modifier/", views.page_edit, name="page-edit"),
    path("pages/<int:page_id>/supprimer/", views.page_delete, name="page-delete"),
    path("pages/<int:page_id>/valider/", views.page_approve, name="page-approve"),
    path("pages/<int:page_id>/refuser/", views.page_reject, name="page-reject"),
    path("pages/<int:page_id>/visibilite/", views.page_visibility, name="page-visibility"),
    path("medias/<int:media_id>/", views.media_read, name="media-read"),
]
