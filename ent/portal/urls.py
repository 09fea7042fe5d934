from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("donnees-personnelles/", views.privacy, name="privacy"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("etablissements/", views.schools, name="schools"),
    path("contexte/", views.context, name="context"),
    path("preferences/", views.preferences, name="preferences"),
]
