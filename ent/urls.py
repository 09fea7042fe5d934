from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from ent.api import api

admin.site.site_header = "ENT"
admin.site.site_title = "ENT"

urlpatterns = [
    path("", include("ent.portal.urls")),
    path("moi/", include("ent.directory.urls")),
    path("annuaire/", include("ent.addressbook.urls")),
    path("recherche/", include("ent.search.urls")),
    path("aide/", include("ent.support.urls")),
    path("notifications/", include("ent.notifications.urls")),
    path("gestion/", include("ent.backoffice.urls")),
    path("cahier-de-textes/", include("ent.lesson_log.urls")),
    path("emploi-du-temps/", include("ent.timetable.urls")),
    path("cahier-de-liaison/", include("ent.liaison_book.urls")),
    path("vie-scolaire/", include("ent.pupil_records.urls")),
    path("documents/", include("ent.files.urls")),
    path("messagerie/", include("ent.messaging.urls")),
    path("forums/", include("ent.forums.urls")),
    path("tchat/", include("ent.chat.urls")),
    path("actualites/", include("ent.announcements.urls")),
    path("blogs/", include("ent.blogs.urls")),
    path("moderation/", include("ent.moderation.urls")),
    path("auth/", include("ent.identity.urls")),
    path("", include("ent.sso.urls")),
    # Public: the language can be chosen on the login page, before signing in.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
