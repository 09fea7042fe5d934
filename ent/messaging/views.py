from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ent.rights.decorators import service_required


@service_required("messaging")
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html", {})
