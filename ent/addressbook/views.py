from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from ent.rights.decorators import service_required


@require_GET
@service_required("addressbook")
def index(request: HttpRequest) -> HttpResponse:
    return redirect("portal:home")
