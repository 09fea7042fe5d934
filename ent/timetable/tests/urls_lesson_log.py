"""The project's URLs with a stand-in cahier de textes, to test the links a slot opens.

The cahier de textes app is built beside the timetable; its `entry-new` page is named here
as it will be named there, so that the timetable's links are tested before it exists.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLResolver, include, path

from ent import urls as project
from ent.rights.decorators import service_exempt


@service_exempt
def stand_in(request: HttpRequest) -> HttpResponse:
    return HttpResponse("cahier de textes")


stub = (
    [path("", stand_in, name="home"), path("seance/", stand_in, name="entry-new")],
    "lesson_log",
)
urlpatterns = [
    pattern
    for pattern in project.urlpatterns
    if not (isinstance(pattern, URLResolver) and pattern.namespace == "lesson_log")
] + [path("cahier-de-textes/", include(stub))]
