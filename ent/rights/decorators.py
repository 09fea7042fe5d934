"""The gate of every service (STYLE §4): `service_required` for views, `ServiceAuth` for the API.

A view is gated when it carries `service_required(code)`; the wrapper keeps the code in
`view.service_code`, which `ent.rights.testing.ungated_views` reads. A signed-in page that
belongs to no service (the person's own settings, a logout) says so with `service_exempt`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja.errors import AuthorizationError
from ninja.security import SessionAuth

from ent.directory.models import User

from .queries import rights_of
from .registry import Level

View = TypeVar("View", bound=Callable[..., HttpResponse])


def service_required(
    code: str, *, level: int = Level.READ, school_kwarg: str = "school_id"
) -> Callable[[View], View]:
    """Answer 403 unless the person holds `code` (in the view's school when it names one).

    The school is the URL keyword `school_kwarg` (a primary key) when the view has it.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            school = kwargs.get(school_kwarg)
            if not rights_of(request).has(code, school=_as_pk(school), level=level):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.service_code = code  # type: ignore[attr-defined]  # attr-defined: marker read by tests
        wrapper.service_level = level  # type: ignore[attr-defined]  # attr-defined: same marker
        return wrapper  # type: ignore[return-value]  # return-value: wraps keeps the signature

    return decorator


def service_exempt(view: View) -> View:
    """Mark a signed-in view that belongs to no service (login is still required)."""
    view.service_exempt = True  # type: ignore[attr-defined]  # attr-defined: marker read by tests
    return view


def _as_pk(value: object) -> int | None:
    if value is None:
        return None
    try:
        return int(str(value))
    except ValueError:
        raise PermissionDenied from None


class ServiceAuth(SessionAuth):
    """django-ninja auth: 401 without a signed-in person, 403 without a grant of `code`.

    `request.auth` is then the `User`.
    """

    def __init__(self, code: str, *, level: int = Level.READ, csrf: bool = True) -> None:
        super().__init__(csrf=csrf)
        self.code = code
        self.level = level

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        if not isinstance(user, User) or not user.is_active:
            return None
        if not rights_of(request).has(self.code, level=self.level):
            raise AuthorizationError
        return user
