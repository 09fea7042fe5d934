from django.urls import path

from . import views

app_name = "pupil_records"

urlpatterns = [
    path("", views.home, name="home"),
    path("eleves/<int:pupil_id>/", views.pupil, name="pupil"),
    path("eleves/<int:pupil_id>/bulletin/<int:period_id>/", views.report, name="report"),
    path(
        "eleves/<int:pupil_id>/bulletin/<int:period_id>/commentaire/",
        views.report_comment,
        name="report-comment",
    ),
    path("classes/<int:class_id>/", views.class_overview, name="class"),
    path("carnet/<int:assignment_id>/", views.gradebook, name="gradebook"),
    path("competences/<int:assignment_id>/", views.competencies, name="competencies"),
    path("evaluations/<int:assessment_id>/", views.assessment, name="assessment"),
    path(
        "evaluations/<int:assessment_id>/publier/",
        views.assessment_publish,
        name="assessment-publish",
    ),
    path("notes/<int:grade_id>/", views.grade, name="grade"),
    path("appel/<slug:kind>/<int:division_id>/", views.register, name="register"),
    path("absences/", views.daily, name="daily"),
    path("absences/<int:absence_id>/", views.absence, name="absence"),
    path("absences/<int:absence_id>/justifier/", views.absence_justify, name="absence-justify"),
    path("absences/<int:absence_id>/classer/", views.absence_classify, name="absence-classify"),
    path("absences/<int:absence_id>/modifier/", views.absence_change, name="absence-change"),
    path("etablissements/<int:school_id>/reglages/", views.school_settings, name="settings"),
]
