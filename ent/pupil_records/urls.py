from django.urls import path

from . import views

app_name = "pupil_records"

urlpatterns = [
    path("", views.home, name="home"),
]
