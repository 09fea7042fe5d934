from django.urls import path

from . import views

app_name = "lesson_log"

urlpatterns = [
    path("", views.home, name="home"),
    path("cahier/<int:log_id>/", views.log_detail, name="log"),
    path("cahier/<int:log_id>/export.<str:fmt>", views.log_export, name="log-export"),
    path("cahier/<int:log_id>/visa/", views.log_visa, name="log-visa"),
    path("seance/nouvelle/", views.entry_new, name="entry-new"),
    path("seance/<int:entry_id>/", views.entry_detail, name="entry"),
    path("seance/<int:entry_id>/modifier/", views.entry_edit, name="entry-edit"),
    path("seance/<int:entry_id>/supprimer/", views.entry_delete, name="entry-delete"),
    path("seance/<int:entry_id>/travail/", views.work_add, name="work-add"),
    path("travail/<int:homework_id>/modifier/", views.work_edit, name="work-edit"),
    path("travail/<int:homework_id>/supprimer/", views.work_delete, name="work-delete"),
    path("document/<int:attachment_id>/", views.attachment, name="attachment"),
    path(
        "document/<int:attachment_id>/supprimer/",
        views.attachment_delete,
        name="attachment-delete",
    ),
    path("semaine/", views.week, name="week"),
    path("a-faire/", views.homework, name="homework"),
    path("mon-cahier/", views.work_done, name="work-done"),
    path("mon-cahier/<int:work_id>/modifier/", views.work_done_edit, name="work-done-edit"),
    path("personnel/", views.personal, name="personal"),
    path("personnel/<int:entry_id>/", views.personal_edit, name="personal-edit"),
    path("personnel/<int:entry_id>/supprimer/", views.personal_delete, name="personal-delete"),
    path("personnel/<int:entry_id>/copier/", views.personal_copy, name="personal-copy"),
    path("personnel/export.<str:fmt>", views.personal_export, name="personal-export"),
    path("personnel/import/", views.personal_import, name="personal-import"),
    path("journal/", views.journal, name="journal"),
    path("journal/<int:class_id>/<str:day>/", views.journal_day, name="journal-day"),
    path("journal/export.json", views.journal_export, name="journal-export"),
    path("journal/import/", views.journal_import, name="journal-import"),
    path("acces/", views.accesses, name="accesses"),
    path("acces/<int:access_id>/fin/", views.access_revoke, name="access-revoke"),
    path("etablissement/", views.school, name="school"),
    path("archives/", views.archives, name="archives"),
]
