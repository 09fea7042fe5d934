from django.urls import path

from . import views

app_name = "lesson_log"

urlpatterns = [
    path("", views.home, name="home"),
]
