"""Bearer-token authentication of the API (SOC-INT-PSE-03: every client is authenticated).

The mobile app signs in through the OIDC provider and calls /api/v1/ with its access token.
`AccessTokenAuth` accepts a token only if it is valid, unexpired and unrevoked, carries the
"api" scope (which only the clients of ENT_OIDC_API_CLIENTS may obtain), belongs to an approved
service and to an active account; `request.auth` is then that account. Anything else is a 401.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from ninja.security import HttpBearer

from ent.identity.session import client_address

from .oidc import API_SCOPE, person_for_access_token

if TYPE_CHECKING:
    from ent.directory.models import User


class AccessTokenAuth(HttpBearer):
    """django-ninja auth: `Authorization: Bearer <access token>` → the token's `User`."""

    def __init__(self, scope: str = API_SCOPE) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return person_for_access_token(
            token, scopes=[self.scope] if self.scope else [], address=client_address(request)
        )
