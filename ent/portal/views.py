from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ent.directory.queries import person_card
from ent.rights.decorators import service_exempt


@require_GET
@service_exempt
def home(request: HttpRequest) -> HttpResponse:
    """Show the signed-in home page (filled in by the portal work)."""
    return render(request, "directory/home.html", {"card": person_card(request.user)})


@require_GET
@login_not_required
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "directory/home.html", {})


accessibility = privacy
schools = privacy


@require_POST
@service_exempt
def context(request: HttpRequest) -> HttpResponse:
    return redirect("portal:home")
