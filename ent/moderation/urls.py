from django.urls import path

from . import views

app_name = "moderation"
urlpatterns = [
    path("", views.home, name="home"),
    path("signaler/<str:kind>/<int:object_id>/", views.report, name="report"),
    path("signalements/<int:report_id>/decider/", views.decide, name="report-decide"),
]
