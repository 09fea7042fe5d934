from django.urls import path

from . import views

app_name = "timetable"

urlpatterns = [
    path("", views.home, name="home"),
    path("seances/<int:pk>/", views.lesson, name="lesson"),
    path("seances/<int:pk>/annuler/", views.lesson_cancel, name="lesson-cancel"),
    path("seances/<int:pk>/deplacer/", views.lesson_move, name="lesson-move"),
    path("seances/<int:pk>/retablir/", views.lesson_restore, name="lesson-restore"),
    path("import/", views.imports, name="imports"),
    path("etablissements/<int:school_id>/import/", views.school_import, name="school-import"),
    path("couleurs/", views.colours, name="colours"),
    path("archives/", views.archive, name="archive"),
    path("export.ics", views.export, name="export"),
    path("abonnement/", views.subscription, name="subscription"),
    path("abonnement/arreter/", views.subscription_revoke, name="subscription-revoke"),
    path("flux/<str:token>.ics", views.feed, name="feed"),
]
