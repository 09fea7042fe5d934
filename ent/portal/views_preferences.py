from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from ent.rights.decorators import service_exempt


@service_exempt
def preferences(request: HttpRequest) -> HttpResponse:
    """Let the person choose their services, theme and presentation aids."""
    return redirect("portal:home")
