from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from ent.rights.decorators import service_required


@require_GET
@service_required("timetable")
def home(request: HttpRequest) -> HttpResponse:
    """Open the service (filled in by the app's work)."""
    return redirect("portal:home")
