from django.urls import path

from . import views
from .urls_preferences import urlpatterns as preference_patterns

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("donnees-personnelles/", views.privacy, name="privacy"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("etablissements/", views.schools, name="schools"),
    path("contexte/", views.context, name="context"),
]

urlpatterns += preference_patterns
