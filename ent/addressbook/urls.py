from django.urls import path

from . import views

app_name = "addressbook"

urlpatterns = [
    path("", views.index, name="index"),
    path("export/vcard/", views.results_vcard, name="results-vcard"),
    path("export/ldif/<int:school_pk>/", views.school_ldif, name="school-ldif"),
    path("personne/<uuid:person_uuid>/", views.person, name="person"),
    path("personne/<uuid:person_uuid>/vcard/", views.person_vcard, name="person-vcard"),
    path("personne/<uuid:person_uuid>/ajouter/", views.person_add, name="person-add"),
    path("mes-informations/", views.my_details, name="my-details"),
    path("carnet/", views.contacts, name="contacts"),
    path("carnet/nouveau/", views.contact_add, name="contact-add"),
    path("carnet/importer/", views.contacts_import, name="contacts-import"),
    path("carnet/export/vcard/", views.contacts_vcard, name="contacts-vcard"),
    path("carnet/export/ldif/", views.contacts_ldif, name="contacts-ldif"),
    path("carnet/<int:contact_id>/", views.contact_edit, name="contact-edit"),
    path("carnet/<int:contact_id>/supprimer/", views.contact_delete, name="contact-delete"),
    path("groupes/", views.groups, name="groups"),
    path("groupes/<slug:kind>/<int:division_id>/", views.group_book, name="group-book"),
    path(
        "groupes/<slug:kind>/<int:division_id>/ajouter/",
        views.group_book_add,
        name="group-book-add",
    ),
]
