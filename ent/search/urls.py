from django.urls import path

from . import views

app_name = "search"

urlpatterns = [
    path("", views.results, name="results"),
    path("historique/effacer/", views.history_clear, name="history-clear"),
    path("historique/<int:search_id>/supprimer/", views.history_delete, name="history-delete"),
    path("historique/<int:search_id>/garder/", views.history_save, name="history-save"),
]
