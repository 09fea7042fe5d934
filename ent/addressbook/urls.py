from django.urls import path

from . import views

app_name = "addressbook"

urlpatterns = [path("", views.index, name="index")]
