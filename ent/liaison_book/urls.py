from django.urls import path

from . import views

app_name = "liaison_book"

urlpatterns = [
    path("", views.home, name="home"),
]
