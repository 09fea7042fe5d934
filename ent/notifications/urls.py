from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/lu/", views.read, name="read"),
    path("tout-lu/", views.read_all, name="read-all"),
    path("preferences/", views.preferences, name="preferences"),
    path("alerte/<int:school_id>/", views.alert, name="alert"),
]
