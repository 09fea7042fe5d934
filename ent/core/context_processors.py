from django.conf import settings
from django.http import HttpRequest


def project(request: HttpRequest) -> dict[str, str]:
    """Expose the project's name and académie to every template."""
    return {"ENT_PROJECT_NAME": settings.ENT_PROJECT_NAME, "ENT_ACADEMY": settings.ENT_ACADEMY}
