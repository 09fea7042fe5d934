from django.urls import path

from . import views
from .urls_preferences import urlpatterns as preference_patterns

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("go/<slug:code>/", views.launch, name="launch"),
    path("contexte/", views.context, name="context"),
    path("affichage/", views.channel, name="channel"),
    path("donnees-personnelles/", views.privacy, name="privacy"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("etablissements/", views.schools, name="schools"),
    path("etablissements/<slug:uai>/", views.school_page, name="school-page"),
]

urlpatterns += preference_patterns
