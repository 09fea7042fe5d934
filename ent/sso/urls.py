"""Single sign-on URLs: each protocol keeps its own list, so they can change independently."""

from .urls_cas import urlpatterns as cas
from .urls_oidc import urlpatterns as oidc
from .urls_saml import urlpatterns as saml

app_name = "sso"
urlpatterns = [*cas, *saml, *oidc]
