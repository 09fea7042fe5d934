from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from ent.rights.decorators import service_exempt


@require_GET
@service_exempt
def guide(request: HttpRequest) -> HttpResponse:
    return redirect("portal:home")
