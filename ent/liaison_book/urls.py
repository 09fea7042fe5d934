from django.urls import path

from . import views

app_name = "liaison_book"

urlpatterns = [
    path("", views.home, name="home"),
    path("eleves/<int:pupil_id>/", views.book, name="book"),
    path("eleves/<int:pupil_id>/ecrire/", views.book_write, name="book-write"),
    path("eleves/<int:pupil_id>/archives/<int:year>/", views.book_archive, name="book-archive"),
    path("classes/<int:class_id>/", views.class_page, name="class"),
    path("classes/<int:class_id>/ecrire/", views.class_write, name="class-write"),
    path("groupes/<int:group_id>/", views.group_page, name="group"),
    path("groupes/<int:group_id>/ecrire/", views.group_write, name="group-write"),
    path("notes/<int:note_id>/", views.note_open, name="note-open"),
    path("notes/<int:note_id>/suivi/", views.note_tracking, name="note-tracking"),
    path("notes/<int:note_id>/modifier/", views.note_edit, name="note-edit"),
    path("notes/<int:note_id>/relancer/", views.note_remind, name="note-remind"),
    path(
        "notes/<int:note_id>/eleves/<int:pupil_id>/repondre/",
        views.note_reply,
        name="note-reply",
    ),
    path("notes/<int:note_id>/eleves/<int:pupil_id>/signer/", views.note_sign, name="note-sign"),
]
