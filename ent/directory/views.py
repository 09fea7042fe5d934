from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .queries import person_card


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Show the signed-in person what the directory knows of them."""
    return render(request, "directory/home.html", {"card": person_card(request.user)})
