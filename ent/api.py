"""The ENT's REST API (SOC-INT-PSE): one NinjaAPI at /api/v1/, each app adding its router.

Errors are RFC 9457 problem documents (`application/problem+json`): PermissionDenied 403,
Http404 404, validation errors 422, a domain error 409 with a stable `code`, a missing or
refused authentication 401. No error ever carries a traceback.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.security import SessionAuth

from ent.addressbook.api import router as addressbook_router
from ent.announcements.api import router as announcements_router
from ent.backoffice.api import router as backoffice_router
from ent.blogs.api import router as blogs_router
from ent.chat.api import router as chat_router
from ent.files.api import router as files_router
from ent.forums.api import router as forums_router
from ent.identity.api import router as identity_router
from ent.identity.lifecycle import AccountStateError
from ent.lesson_log.api import router as lesson_log_router
from ent.liaison_book.api import router as liaison_book_router
from ent.messaging.api import router as messaging_router
from ent.moderation.api import router as moderation_router
from ent.notifications.api import router as notifications_router
from ent.portal.api import router as portal_router
from ent.portal.api_preferences import router as preferences_router
from ent.pupil_records.api import router as pupil_records_router
from ent.search.api import router as search_router
from ent.sso.api_auth import AccessTokenAuth
from ent.support.api import router as support_router
from ent.timetable.api import router as timetable_router

logger = logging.getLogger(__name__)

PROBLEM = "application/problem+json"
READ_ERRORS = (401, 403, 404)
ERRORS = (*READ_ERRORS, 409, 422)
PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An RFC 9457 problem document.",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "description": "Always about:blank."},
        "title": {"type": "string", "description": "The HTTP status phrase."},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "code": {"type": "string", "description": "A stable code, for a program."},
        "errors": {
            "type": "array",
            "description": "Each invalid input (422 only).",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": "string"}},
                    "msg": {"type": "string"},
                },
            },
        },
    },
}


class Api(NinjaAPI):
    """The project's API: its URLs answer 401 themselves instead of redirecting to the login
    page, so they are exempt from LoginRequiredMiddleware (the routers' `auth=` guards them)."""

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        patterns = super()._get_urls()
        _exempt_from_login_redirect(patterns)
        return patterns

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        """Describe the error protocol too (SOC-INT-PSE-02): every operation may answer a
        problem document."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        for path in schema["paths"].values():
            for method, operation in path.items():
                for status in ERRORS if method != "get" else READ_ERRORS:
                    operation["responses"].setdefault(
                        status,
                        {
                            "description": HTTPStatus(status).phrase,
                            "content": {
                                PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}
                            },
                        },
                    )
        return schema


def _exempt_from_login_redirect(patterns: list[URLResolver | URLPattern]) -> None:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _exempt_from_login_redirect(pattern.url_patterns)
        else:
            pattern.callback.login_required = False  # type: ignore[attr-defined]  # attr-defined: the flag LoginRequiredMiddleware reads, as login_not_required sets it


# The Django session, with CSRF checked on unsafe methods. Bearer tokens come with OIDC.
api = Api(
    title="ENT API",
    version="1",
    description="REST API of the ENT. Errors are RFC 9457 problem documents.",
    urls_namespace="api",
    # The browser's session (CSRF-checked), or an OIDC access token with the `api` scope
    # (the mobile app, SOC-INT-PSE-03).
    auth=[SessionAuth(csrf=True), AccessTokenAuth()],
)
api.add_router("/identity", identity_router)
# `GET /api/v1/me` and the portal's preferences.
api.add_router("", portal_router)
api.add_router("", preferences_router)
api.add_router("/search", search_router)
api.add_router("/addressbook", addressbook_router)
api.add_router("/support", support_router)
api.add_router("/notifications", notifications_router)
api.add_router("/backoffice", backoffice_router)
api.add_router("/lesson-log", lesson_log_router)
api.add_router("/timetable", timetable_router)
api.add_router("/liaison-book", liaison_book_router)
api.add_router("/pupil-records", pupil_records_router)
api.add_router("/files", files_router)
api.add_router("/mail", messaging_router)
api.add_router("/forums", forums_router)
api.add_router("/chat", chat_router)
api.add_router("/announcements", announcements_router)
api.add_router("/blogs", blogs_router)
api.add_router("/moderation", moderation_router)


def problem(
    request: HttpRequest, status: int, detail: str, *, code: str = "", **extra: Any
) -> HttpResponse:
    """Return an RFC 9457 problem document."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code or HTTPStatus(status).phrase.lower().replace(" ", "_"),
        **extra,
    }
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = PROBLEM
    return response


def _detail(error: Exception, default: str) -> str:
    text = str(error.args[0]) if error.args and error.args[0] else ""
    return text or default


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    response = problem(request, 401, "Authentication required.", code="not_authenticated")
    response["WWW-Authenticate"] = 'Cookie realm="ent"'
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    # Ninja's own refusals, such as a failed CSRF check (403).
    return problem(request, error.status_code, error.message)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    return problem(request, 403, _detail(error, "You may not do this."), code="forbidden")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return problem(request, 404, "Not found.", code="not_found")


@api.exception_handler(NinjaValidationError)
def _invalid_request(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    errors = [
        {"loc": [str(part) for part in item.get("loc", [])], "msg": str(item.get("msg", ""))}
        for item in error.errors
    ]
    return problem(request, 422, "The request is not valid.", code="invalid", errors=errors)


@api.exception_handler(DjangoValidationError)
def _invalid(request: HttpRequest, error: DjangoValidationError) -> HttpResponse:
    errors = [{"loc": [], "msg": str(message)} for message in error.messages]
    return problem(request, 422, " ".join(error.messages), code="invalid", errors=errors)


@api.exception_handler(AccountStateError)
def _conflict(request: HttpRequest, error: AccountStateError) -> HttpResponse:
    return problem(request, 409, error.message, code=error.code)


@api.exception_handler(RawPostDataException)
def _unreadable(request: HttpRequest, error: RawPostDataException) -> HttpResponse:
    # A form-encoded body was read as a form (for its CSRF token) before the JSON parser.
    return problem(request, 415, "Send the body as JSON (application/json).")


@api.exception_handler(Exception)
def _failure(request: HttpRequest, error: Exception) -> HttpResponse:
    logger.error("API error on %s %s", request.method, request.path, exc_info=error)
    return problem(request, 500, "Internal error.", code="internal_error")
