from django.urls import path

from . import views

app_name = "files"

urlpatterns = [
    path("", views.home, name="home"),
    path("creer-dossier/", views.folder_create, name="folder-create-root"),
    path("deposer/", views.upload, name="upload-root"),
    path("dossiers/<int:folder_id>/", views.folder, name="folder"),
    path("dossiers/<int:folder_id>/gerer/", views.folder_manage, name="folder-manage"),
    path("dossiers/<int:folder_id>/creer-dossier/", views.folder_create, name="folder-create"),
    path("dossiers/<int:folder_id>/deposer/", views.upload, name="upload"),
    path("fichiers/<int:document_id>/", views.document, name="document"),
    path("fichiers/<int:document_id>/telecharger/", views.download, name="download"),
    path("fichiers/<int:document_id>/analyser/", views.rescan, name="rescan"),
    path("corbeille/", views.trash_page, name="trash"),
    path("corbeille/vider/", views.empty_trash, name="empty-trash"),
    path("partages/", views.shared, name="shared"),
]

# The same operations on a folder ("dossiers") and on a document ("fichiers").
for kind, segment in (("folder", "dossiers"), ("document", "fichiers")):
    urlpatterns += [
        path(f"{segment}/<int:pk>/renommer/", views.rename, {"kind": kind}, name=f"{kind}-rename"),
        path(f"{segment}/<int:pk>/deplacer/", views.move, {"kind": kind}, name=f"{kind}-move"),
        path(f"{segment}/<int:pk>/supprimer/", views.trash, {"kind": kind}, name=f"{kind}-trash"),
        path(f"{segment}/<int:pk>/partager/", views.share, {"kind": kind}, name=f"{kind}-share"),
        path(
            f"{segment}/<int:pk>/partages/<int:share_id>/retirer/",
            views.unshare,
            {"kind": kind},
            name=f"{kind}-unshare",
        ),
        path(
            f"corbeille/{segment}/<int:pk>/restaurer/",
            views.restore,
            {"kind": kind},
            name=f"{kind}-restore",
        ),
        path(
            f"corbeille/{segment}/<int:pk>/supprimer/",
            views.purge,
            {"kind": kind},
            name=f"{kind}-purge",
        ),
    ]
