"""White pages (UTI-IDO-PBL) and address book (UTI-IDO-CAD) pages."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ent.directory.models import School, SchoolClass, TeachingGroup, User
from ent.rights.decorators import service_exempt, service_required
from ent.rights.queries import rights_of

from . import ldif, queries
from .actions import (
    add_contact,
    add_people_to_book,
    add_person_to_book,
    delete_contact,
    import_contacts,
    set_my_details,
    update_contact,
)
from .forms import DetailsForm, ImportForm, SearchForm, contact_form
from .models import Contact
from .permissions import can_export_school_directory
from .queries import SERVICE, Scope
from .vcard import Card, write_cards

GET_POST = ("GET", "POST")


def _scope(request: HttpRequest) -> Scope:
    return queries.directory_scope(request.user, rights_of(request))  # type: ignore[arg-type]  # arg-type: the gate lets only a User in


def _search(request: HttpRequest, scope: Scope) -> tuple[SearchForm, QuerySet[User]]:
    form = SearchForm(request.GET, choices=queries.search_choices(scope))
    if not form.is_valid():
        return form, queries.directory_people(scope.viewer, rights=scope.rights).none()
    return form, queries.search_people(scope, form.criteria())


def _download(body: str, name: str, extension: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    filename = f"{slugify(name) or 'contacts'}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _vcards(cards: list[Card], name: str) -> HttpResponse:
    return _download(write_cards(cards), name, "vcf", "text/vcard")


def _person(scope: Scope, person_uuid: UUID) -> User:
    people = queries.directory_people(scope.viewer, rights=scope.rights)
    return get_object_or_404(people, uuid=person_uuid)


def _division(scope: Scope, kind: str, division_id: int) -> SchoolClass | TeachingGroup:
    if kind == "class":
        return get_object_or_404(queries.my_classes(scope), pk=division_id)
    if kind == "group":
        return get_object_or_404(queries.my_groups(scope), pk=division_id)
    raise Http404


@require_GET
@service_required(SERVICE)
def index(request: HttpRequest) -> HttpResponse:
    """Search the white pages within the communication rules (UTI-IDO-PBL-01, -06)."""
    scope = _scope(request)
    form, people = _search(request, scope)
    page = Paginator(queries.with_public_rows(people, scope), queries.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    exportable = [
        school
        for school in scope.schools
        if can_export_school_directory(scope.viewer, school, rights=scope.rights)
    ]
    context = {"form": form, "page": page, "rows": queries.people_rows(page), "query": query}
    return render(request, "addressbook/index.html", context | {"exportable": exportable})


@require_GET
@service_required(SERVICE)
def person(request: HttpRequest, person_uuid: UUID) -> HttpResponse:
    """Show a person the viewer may see, with only the details shown to them (CAD-02)."""
    scope = _scope(request)
    card = queries.person_card(scope, _person(scope, person_uuid))
    return render(request, "addressbook/person.html", {"card": card})


@require_GET
@service_required(SERVICE)
def person_vcard(request: HttpRequest, person_uuid: UUID) -> HttpResponse:
    """Download a person's vCard, with only the details shown to the viewer."""
    scope = _scope(request)
    found = _person(scope, person_uuid)
    cards = queries.people_cards(scope, User.objects.filter(pk=found.pk))
    return _vcards(cards, found.display_name)


@require_POST
@service_required(SERVICE)
def person_add(request: HttpRequest, person_uuid: UUID) -> HttpResponse:
    """Keep a directory person in one's address book (CAD-03, PBL-05)."""
    scope = _scope(request)
    found = _person(scope, person_uuid)
    add_person_to_book(actor=scope.viewer, person=found)
    messages.success(request, _("%(name)s is in your address book.") % {"name": found.display_name})
    return redirect("addressbook:person", person_uuid=found.uuid)


@require_GET
@service_required(SERVICE)
def results_vcard(request: HttpRequest) -> HttpResponse:
    """Download the people of a search as vCards, when there are not too many."""
    scope = _scope(request)
    _form, people = _search(request, scope)
    if people.count() > queries.EXPORT_LIMIT:
        limit = {"count": queries.EXPORT_LIMIT}
        messages.error(request, _("Narrow your search to %(count)d people to export it.") % limit)
        return redirect(f"{reverse('addressbook:index')}?{request.GET.urlencode()}")
    return _vcards(queries.people_cards(scope, people), _("directory"))


@require_GET
@service_required(SERVICE)
def school_ldif(request: HttpRequest, school_pk: int) -> HttpResponse:
    """Export a school's directory as LDIF, for its administrators (UTI-IDO-PBL-07)."""
    scope = _scope(request)
    school = get_object_or_404(School.objects.filter(pk__in=scope.school_ids), pk=school_pk)
    if not can_export_school_directory(scope.viewer, school, rights=scope.rights):
        raise PermissionDenied
    cards = queries.people_cards(scope, queries.school_people(scope, school))
    body = ldif.write_entries(queries.ldif_entries(cards, f"ou=people,o={school.uai}"))
    return _download(body, school.uai, "ldif", "text/x-ldif")


@require_http_methods(GET_POST)
@service_exempt  # One's own privacy choices hold whatever services one is granted.
def my_details(request: HttpRequest) -> HttpResponse:
    """Choose who sees each of one's details (PBL-04) and write one's presentation (PBL-02)."""
    mine = queries.my_details(request.user)  # type: ignore[arg-type]  # arg-type: signed in
    initial = {f"audience_{name}": value for name, value in mine["audiences"].items()}
    form = DetailsForm(request.POST or None, initial=initial | {"about": mine["about"]})
    if form.is_valid():
        about = form.cleaned_data["about"]
        set_my_details(actor=request.user, audiences=form.audiences(), about=about)  # type: ignore[arg-type]  # arg-type: signed in
        messages.success(request, _("Your choices are saved."))
        return redirect("addressbook:my-details")
    status = 422 if form.is_bound else 200
    context = {"form": form, "rows": form.rows(mine["values"])}
    return render(request, "addressbook/my_details.html", context, status=status)


def _book_page(request: HttpRequest, import_form: ImportForm, status: int = 200) -> HttpResponse:
    scope = _scope(request)
    page = Paginator(queries.book(scope.viewer), queries.BOOK_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    entries = queries.book_entries(scope, list(page))
    context = {"page": page, "entries": entries, "import_form": import_form}
    return render(request, "addressbook/contacts.html", context, status=status)


@require_GET
@service_required(SERVICE)
def contacts(request: HttpRequest) -> HttpResponse:
    """Show one's address book (UTI-IDO-CAD-01)."""
    return _book_page(request, ImportForm())


@require_http_methods(GET_POST)
@service_required(SERVICE)
def contact_add(request: HttpRequest) -> HttpResponse:
    """Add a free entry to one's address book."""
    form = contact_form(None, request.POST or None)
    if form.is_valid():
        add_contact(actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]  # arg-type: signed in
        messages.success(request, _("The entry is added."))
        return redirect("addressbook:contacts")
    status = 422 if form.is_bound else 200
    return render(request, "addressbook/contact_form.html", {"form": form}, status=status)


@require_http_methods(GET_POST)
@service_required(SERVICE)
def contact_edit(request: HttpRequest, contact_id: int) -> HttpResponse:
    """Change an entry of one's address book (the note only for a directory person)."""
    owned = Contact.objects.visible_to(request.user).select_related("person")  # type: ignore[arg-type]  # arg-type: signed in
    contact = get_object_or_404(owned, pk=contact_id)
    form = contact_form(contact, request.POST or None)
    if form.is_valid():
        update_contact(actor=request.user, contact=contact, changes=form.cleaned_data)  # type: ignore[arg-type]  # arg-type: signed in
        messages.success(request, _("The entry is saved."))
        return redirect("addressbook:contacts")
    status = 422 if form.is_bound else 200
    context = {"form": form, "contact": contact}
    return render(request, "addressbook/contact_form.html", context, status=status)


@require_POST
@service_required(SERVICE)
def contact_delete(request: HttpRequest, contact_id: int) -> HttpResponse:
    """Remove an entry from one's address book."""
    owned = Contact.objects.visible_to(request.user)  # type: ignore[arg-type]  # arg-type: signed in
    contact = get_object_or_404(owned, pk=contact_id)
    delete_contact(actor=request.user, contact=contact)  # type: ignore[arg-type]  # arg-type: signed in
    messages.success(request, _("The entry is removed."))
    return redirect("addressbook:contacts")


@require_POST
@service_required(SERVICE)
def contacts_import(request: HttpRequest) -> HttpResponse:
    """Import a vCard file into one's address book: every card, or none (CAD-05)."""
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            count = import_contacts(actor=request.user, stream=form.cleaned_data["file"])  # type: ignore[arg-type]  # arg-type: signed in
        except ValidationError as error:
            form.add_error(
                "file", _("Nothing was imported. %(reason)s") % {"reason": " ".join(error.messages)}
            )
        else:
            messages.success(request, _("%(count)d entries imported.") % {"count": count})
            return redirect("addressbook:contacts")
    return _book_page(request, form, status=422)


@require_GET
@service_required(SERVICE)
def contacts_vcard(request: HttpRequest) -> HttpResponse:
    """Download one's address book as vCard 4.0 (CAD-04, CAD-05)."""
    return _vcards(queries.book_cards(_scope(request)), _("address-book"))


@require_GET
@service_required(SERVICE)
def contacts_ldif(request: HttpRequest) -> HttpResponse:
    """Download one's address book as LDIF (CAD-05)."""
    cards = queries.book_cards(_scope(request))
    body = ldif.write_entries(queries.ldif_entries(cards, "ou=contacts,o=ent"))
    return _download(body, _("address-book"), "ldif", "text/x-ldif")


@require_GET
@service_required(SERVICE)
def groups(request: HttpRequest) -> HttpResponse:
    """List the classes and groups whose address book one reads (CAD-06)."""
    divisions = queries.divisions(_scope(request))
    return render(request, "addressbook/groups.html", {"divisions": divisions})


@require_GET
@service_required(SERVICE)
def group_book(request: HttpRequest, kind: str, division_id: int) -> HttpResponse:
    """Show the visible members of one of one's classes or groups, read-only (CAD-06)."""
    scope = _scope(request)
    division = _division(scope, kind, division_id)
    people = queries.with_public_rows(queries.division_members(scope, division), scope)
    context = {"division": division, "kind": kind, "rows": queries.people_rows(people)}
    return render(request, "addressbook/group.html", context)


@require_POST
@service_required(SERVICE)
def group_book_add(request: HttpRequest, kind: str, division_id: int) -> HttpResponse:
    """Merge the visible members of a class or group into one's own book (CAD-06)."""
    scope = _scope(request)
    division = _division(scope, kind, division_id)
    added = add_people_to_book(actor=scope.viewer, people=queries.division_members(scope, division))
    messages.success(request, _("%(count)d entries added.") % {"count": added})
    return redirect("addressbook:contacts")
