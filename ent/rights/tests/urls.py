"""A URLconf for the gate tests: gated, exempt and forgotten views, and a ninja router."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from ninja import NinjaAPI, Router

from ent.rights.decorators import ServiceAuth, service_exempt, service_required
from ent.rights.registry import Level

from .factories import LESSON_LOG


@service_required(LESSON_LOG)
def gated(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


@service_required(LESSON_LOG, level=Level.USE)
def gated_in_school(request: HttpRequest, school_id: int) -> HttpResponse:
    return HttpResponse("ok")


@service_exempt
def exempt(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


@login_not_required
def public(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def forgotten(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


router = Router(auth=ServiceAuth(LESSON_LOG))


@router.get("/me")
def me(request: HttpRequest) -> dict[str, str]:
    return {"login": request.auth.login}  # type: ignore[attr-defined]


api = NinjaAPI(urls_namespace="rights_tests", docs_url=None)
api.add_router("/log", router)
api_patterns, _app, _namespace = api.urls
for pattern in api_patterns:
    # The API answers 401 itself, like /api/v1/ in the project.
    pattern.callback = login_not_required(pattern.callback)  # type: ignore[type-var]

urlpatterns = [
    path("log", gated, name="gated"),
    path("schools/<int:school_id>/log", gated_in_school, name="gated-in-school"),
    path("exempt", exempt, name="exempt"),
    path("public", public, name="public"),
    path("forgotten", forgotten, name="forgotten"),
    path("api/", (api_patterns, "rights_tests", "rights_tests")),
    # The project's own URLs, for the login page and whatever the middleware reverses.
    path("", include("ent.urls")),
]
