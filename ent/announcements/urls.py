from django.urls import path

from . import views

app_name = "announcements"
urlpatterns = [
    path("", views.home, name="home"),
    path("ecrire/", views.write, name="write"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/modifier/", views.edit, name="edit"),
    path("<int:pk>/soumettre/", views.submit, name="submit"),
    path("<int:pk>/valider/", views.validate, name="validate"),
    path("<int:pk>/rejeter/", views.reject, name="reject"),
    path("<int:pk>/accepter/", views.accept, name="accept"),
    path("<int:pk>/retirer/", views.withdraw, name="withdraw"),
]
