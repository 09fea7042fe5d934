"""The school's back-office (SOC-SUP-ABO), under /gestion/: for the head of school and the
school's administrators, each page within one school named in the URL.

Every page of a school answers 404 when the school is not one of the person's (`in_school`),
then 403 without the school's administration at the manage level (`service_required`).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ent.directory.models import School, User
from ent.identity.letters import Letter, activation_letters
from ent.rights.actions import (
    delegate_rights,
    grant_service,
    resume_grant,
    revoke_delegation,
    revoke_grant,
    suspend_grant,
)
from ent.rights.decorators import service_exempt, service_required
from ent.rights.queries import rights_of
from ent.rights.registry import Level, declared_services
from ent.sso.actions import approve_service, disable_service

from .actions import (
    change_external_validity,
    create_external_account,
    end_external_account,
    set_communication_matrix,
)
from .forms import (
    RULE_CHOICES,
    ApproveConnectorForm,
    CommunicationForm,
    DelegationForm,
    ExternalAccountForm,
    GrantForm,
    PeriodForm,
    ValidityForm,
)
from .permissions import can_manage_external_accounts
from .queries import (
    account_counts,
    administered_schools,
    communication_matrix,
    delegable_services,
    delegation_rows,
    external_accounts,
    external_rows,
    grant_rows,
    reaches_school,
    school_connectors,
    school_delegations,
    school_grants,
    school_members,
    usage,
    usage_rows,
)

ADMIN = "school_admin"
View = TypeVar("View", bound=Callable[..., HttpResponse])
GRANT_OPERATIONS: dict[str, Callable[..., Any]] = {
    "suspend": suspend_grant,
    "resume": resume_grant,
    "revoke": revoke_grant,
}


def in_school(view: View) -> View:
    """Answer 404 for a school that is not one of the person's, before the service's 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, school_id: int, **kwargs: Any) -> HttpResponse:
        if not reaches_school(rights_of(request), school_id):
            raise Http404
        return view(request, *args, school_id=school_id, **kwargs)

    return wrapper  # type: ignore[return-value]  # return-value: wraps keeps the signature


def _actor(request: HttpRequest) -> User:
    # Every page runs behind LoginRequiredMiddleware and a service check: a person is signed in.
    return cast(User, request.user)


def _school(school_id: int) -> School:
    # `in_school` and `service_required` checked the person's link with this school.
    return get_object_or_404(School.objects.filter(is_active=True), pk=school_id)


def _page(
    request: HttpRequest, template: str, school: School, status: int = 200, **context: object
) -> HttpResponse:
    return render(request, f"backoffice/{template}", {"school": school, **context}, status=status)


def _refused(request: HttpRequest, error: PermissionDenied) -> None:
    messages.error(request, str(error) or _("You may not do this in this school."))


# Home and dashboard --------------------------------------------------------------------------


@require_GET
@service_exempt
def home(request: HttpRequest) -> HttpResponse:
    """List the schools the person administers; go straight to the only one."""
    schools = list(administered_schools(_actor(request)))
    if not schools:
        raise PermissionDenied
    if len(schools) == 1:
        return redirect("backoffice:dashboard", school_id=schools[0].pk)
    return render(request, "backoffice/home.html", {"schools": schools})


@require_GET
@in_school
@service_required(ADMIN, level=Level.MANAGE, school_kwarg="school_id")
def dashboard(request: HttpRequest, school_id: int) -> HttpResponse:
    """Show the school's accounts by profile and state, and the way to each page."""
    school = _school(school_id)
    return _page(request, "dashboard.html", school, counts=account_counts(school))


# External accounts (SDET §9.2, scenario 10) --------------------------------------------------


def _externals_page(
    request: HttpRequest, school: School, form: ExternalAccountForm, status: int = 200
) -> HttpResponse:
    context = {
        "rows": external_rows(school),
        "form": form,
        "may_manage": can_manage_external_accounts(_actor(request), school),
        "validity_form": ValidityForm(),
    }
    return _page(request, "externals.html", school, status, **context)


@require_GET
@in_school
@service_required(ADMIN, level=Level.MANAGE, school_kwarg="school_id")
def externals(request: HttpRequest, school_id: int) -> HttpResponse:
    """List the school's external accounts, with the form that creates one."""
    return _externals_page(request, _school(school_id), ExternalAccountForm())


@require_POST
@in_school
@service_required(ADMIN, level=Level.MANAGE, school_kwarg="school_id")
def external_create(request: HttpRequest, school_id: int) -> HttpResponse:
    """Create an external account and print its activation letter (head of school only)."""
    school = _school(school_id)
    form = ExternalAccountForm(request.POST)
    if not form.is_valid():
        return _externals_page(request, school, form, status=422)
    try:
        person, code = create_external_account(
            actor=_actor(request), school=school, **form.cleaned_data
        )
    except PermissionDenied as error:
        _refused(request, error)
        return _externals_page(request, school, form, status=403)
    return _letter(request, school, person, code)


def _letter(request: HttpRequest, school: School, person: User, code: str) -> HttpResponse:
    expires_on = timezone.localdate() + timedelta(days=settings.ENT_ACTIVATION_DAYS)
    letter = Letter(person.display_name, person.login, code, "", school.name, expires_on)
    url = request.build_absolute_uri(reverse("identity:activate"))
    response = HttpResponse(
        activation_letters([letter], activation_url=url), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="activation-{person.login}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@in_school
@service_required(ADMIN, level=Level.MANAGE, school_kwarg="school_id")
def external_validity(request: HttpRequest, school_id: int, uuid: UUID) -> HttpResponse:
    """Extend or shorten an external account's validity (head of school only)."""
    school = _school(school_id)
    person = get_object_or_404(external_accounts(school), uuid=uuid)
    form = ValidityForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for error in form.errors["valid_until"]))
        return redirect("backoffice:externals", school_id=school.pk)
    try:
        change_external_validity(
            actor=_actor(request), school=school, person=person, **form.cleaned_data
        )
    except PermissionDenied as error:
        _refused(request, error)
        return _externals_page(request, school, ExternalAccountForm(), status=403)
    messages.success(request, _("The validity of the account is changed."))
    return redirect("backoffice:externals", school_id=school.pk)


@require_POST
@in_school
@service_required(ADMIN, level=Level.MANAGE, school_kwarg="school_id")
def external_end(request: HttpRequest, school_id: int, uuid: UUID) -> HttpResponse:
    """End an external account now (head of school only)."""
    school = _school(school_id)
    person = get_object_or_404(external_accounts(school), uuid=uuid)
    try:
        end_external_account(actor=_actor(request), school=school, person=person)
    except PermissionDenied as error:
        _refused(request, error)
        return _externals_page(request, school, ExternalAccountForm(), status=403)
    messages.success(request, _("The account is ended: its holder can no longer sign in."))
    return redirect("backoffice:externals", school_id=school.pk)


# Grants (SOC-SEC-AUT-03) ---------------------------------------------------------------------


def _grant_form(school: School, data: Any = None) -> GrantForm:
    services = sorted(
        ((code, str(item.label)) for code, item in declared_services().items()),
        key=lambda choice: choice[1],
    )
    return GrantForm(data, school=school, services=services, members=school_members(school))


def _grants_page(
    request: HttpRequest, school: School, form: GrantForm, status: int = 200
) -> HttpResponse:
    own, project = grant_rows(school)
    context = {"grants": own, "project_grants": project, "form": form}
    return _page(request, "grants.html", school, status, **context)


@require_GET
@in_school
@service_required(ADMIN, level=Level.MANAGE, school_kwarg="school_id")
def grants(request: HttpRequest, school_id: int) -> HttpResponse:
    """List the school's grants and the project's, with the form that adds one."""
    school = _school(school_id)
    return _grants_page(request, school, _grant_form(school))


@require_POST
@in_school
@service_required(ADMIN, level=Level.MANAGE, school_kwarg="school_id")
def grant_add(request: HttpRequest, school_id: int) -> HttpResponse:
    """Grant a service in the school to a profile, a function, a class, a group or a person."""
    school = _school(school_id)
    form = _grant_form(school, request.POST)
    if not form.is_valid():
        return _grants_page(request, school, form, status=422)
    try:
        grant_service(actor=_actor(request), school=school, **form.grant())
    except ValidationError as error:
        form.add_error(None, error)
        return _grants_page(request, school, form, status=422)
    messages.success(request, _("The service is granted."))
    return redirect("backoffice:grants", school_id=school.pk)


@require_POST
@in_school
@service_required(ADMIN, level=Level.MANAGE, school_kwarg="school_id")
def grant_change(
    request: HttpRequest, school_id: int, grant_id: int, operation: str
) -> HttpResponse:
    """Suspend, resume or revoke one of the school's grants."""
    school = _school(school_id)
    grant = get_object_or_404(school_grants(school), pk=grant_id)
    change = GRANT_OPERATIONS.get(operation)
    if change is None:
        raise Http404
    change(actor=_actor(request), grant=grant)
    messages.success(request, _("The grant is changed."))
    return redirect("backoffice:grants", school_id=school.pk)


# Delegations (SOC-SUP-ABO-04) ----------------------------------------------------------------


def _delegations_page(
    request: HttpRequest, school: School, form: DelegationForm | None = None, status: int = 200
) -> HttpResponse:
    if form is None:
        form = _delegation_form(request, school)
    context = {"delegations": delegation_rows(school), "form": form}
    return _page(request, "delegations.html", school, status, **context)


def _delegation_form(request: HttpRequest, school: School, data: Any = None) -> DelegationForm:
    services = delegable_services(_actor(request), school)
    return DelegationForm(data, services=services, members=school_members(school))


@require_GET
@in_school
@service_required(ADMIN, level=Level.MANAGE, school_kwarg="school_id")
def delegations(request: HttpRequest, school_id: int) -> HttpResponse:
    """List the school's delegations in force or to come, with the form that lends a right."""
    return _delegations_page(request, _school(school_id))


@require_POST
@in_school
@service_required(ADMIN, level=Level.MANAGE, school_kwarg="school_id")
def delegation_add(request: HttpRequest, school_id: int) -> HttpResponse:
    """Lend one's own right on a service in the school to someone of it, for a window."""
    school = _school(school_id)
    form = _delegation_form(request, school, request.POST)
    if not form.is_valid():
        return _delegations_page(request, school, form, status=422)
    try:
        delegate_rights(actor=_actor(request), school=school, **form.delegation())
    except ValidationError as error:
        form.add_error(None, error)
        return _delegations_page(request, school, form, status=422)
    except PermissionDenied as error:
        _refused(request, error)
        return _delegations_page(request, school, form, status=403)
    messages.success(request, _("The right is lent."))
    return redirect("backoffice:delegations", school_id=school.pk)


@require_POST
@in_school
@service_required(ADMIN, level=Level.MANAGE, school_kwarg="school_id")
def delegation_revoke(request: HttpRequest, school_id: int, delegation_id: int) -> HttpResponse:
    """End a delegation of the school now."""
    school = _school(school_id)
    delegation = get_object_or_404(school_delegations(school), pk=delegation_id)
    revoke_delegation(actor=_actor(request), delegation=delegation)
    messages.success(request, _("The delegation is ended."))
    return redirect("backoffice:delegations", school_id=school.pk)


# Communication rules (UTI-IDO-PBL-03) --------------------------------------------------------


@require_http_methods(["GET", "POST"])
@in_school
@service_required(ADMIN, level=Level.MANAGE, school_kwarg="school_id")
def communication(request: HttpRequest, school_id: int) -> HttpResponse:
    """Show and set who sees and writes to whom in the school's directory."""
    school = _school(school_id)
    matrix = communication_matrix(school)
    form = CommunicationForm(request.POST or None, matrix=matrix)
    context: dict[str, Any] = {"matrix": matrix, "form": form, "choices": RULE_CHOICES}
    if request.method != "POST":
        return _page(request, "communication.html", school, **context)
    if not form.is_valid():
        return _page(request, "communication.html", school, 422, **context)
    changed = set_communication_matrix(actor=_actor(request), school=school, values=form.values())
    messages.success(
        request,
        ngettext("%(count)d rule changed.", "%(count)d rules changed.", changed)
        % {"count": changed},
    )
    return redirect("backoffice:communication", school_id=school.pk)


# Connectors (scenario 14) --------------------------------------------------------------------


def _connectors_page(request: HttpRequest, school: School, status: int = 200) -> HttpResponse:
    context = {"connectors": list(school_connectors(school)), "form": ApproveConnectorForm()}
    return _page(request, "connectors.html", school, status, **context)


@require_GET
@in_school
@service_required(ADMIN, level=Level.MANAGE, school_kwarg="school_id")
def connectors(request: HttpRequest, school_id: int) -> HttpResponse:
    """List the connectors whose data controller is the head of the school."""
    return _connectors_page(request, _school(school_id))


@require_POST
@in_school
@service_required(ADMIN, level=Level.MANAGE, school_kwarg="school_id")
def connector_approve(request: HttpRequest, school_id: int, service_id: int) -> HttpResponse:
    """Approve a connector for the chosen profiles (head of school only)."""
    school = _school(school_id)
    service = get_object_or_404(school_connectors(school), pk=service_id)
    form = ApproveConnectorForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the profiles who get this service."))
        return _connectors_page(request, school, status=422)
    try:
        approve_service(actor=_actor(request), service=service, **form.cleaned_data)
    except PermissionDenied as error:
        _refused(request, error)
        return _connectors_page(request, school, status=403)
    messages.success(request, _("The service is approved."))
    return redirect("backoffice:connectors", school_id=school.pk)


@require_POST
@in_school
@service_required(ADMIN, level=Level.MANAGE, school_kwarg="school_id")
def connector_disable(request: HttpRequest, school_id: int, service_id: int) -> HttpResponse:
    """Stop a connector from receiving identities (head of school only)."""
    school = _school(school_id)
    service = get_object_or_404(school_connectors(school), pk=service_id)
    try:
        disable_service(actor=_actor(request), service=service)
    except PermissionDenied as error:
        _refused(request, error)
        return _connectors_page(request, school, status=403)
    messages.success(request, _("The service is disabled."))
    return redirect("backoffice:connectors", school_id=school.pk)


# Usage statistics ----------------------------------------------------------------------------


@require_GET
@in_school
@service_required(ADMIN, level=Level.MANAGE, school_kwarg="school_id")
def statistics(request: HttpRequest, school_id: int) -> HttpResponse:
    """Show connections per profile and day, and the use of each service, over a period."""
    school = _school(school_id)
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    return _page(request, "statistics.html", school, form=form, usage=usage(school, start, end))


@require_GET
@in_school
@service_required(ADMIN, level=Level.MANAGE, school_kwarg="school_id")
def statistics_csv(request: HttpRequest, school_id: int) -> HttpResponse:
    """Export the usage counters of a period as CSV: day, profile, service, count."""
    school = _school(school_id)
    start, end = PeriodForm(request.GET or None).period()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"usage-{school.uai}-{start.isoformat()}-{end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(["day", "profile", "service", "count"])
    for day, profile, service, count in usage_rows(school, start, end):
        writer.writerow([day.isoformat(), profile, service, count])
    return response
