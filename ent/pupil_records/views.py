"""Pages of the pupil follow-up (/vie-scolaire/): records, gradebooks, competency grids,
registers, absences, reports and the school's settings.

Every object is fetched through its `visible_to` (or the actor's own assignments): what a
person may not see answers 404. A school that keeps an external vie scolaire tool has its
grants suspended: its people get 404 here rather than 403 (`native`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ent.core.calendar import school_year_of
from ent.directory.models import (
    School,
    SchoolClass,
    TeachingAssignment,
    TeachingGroup,
    User,
)
from ent.rights.decorators import service_required
from ent.rights.queries import rights_of
from ent.rights.registry import Level

from . import actions, forms, queries
from .apps import SERVICE
from .models import Absence, Assessment, Competency, Grade, Period, pupil_life_school_ids
from .permissions import (
    can_change_absence,
    can_classify_absence,
    can_comment_report,
    can_grade,
    can_justify_absence,
    can_manage_settings,
    can_take_register,
)
from .report import period_report

View = TypeVar("View", bound=Callable[..., HttpResponse])
GRID_DEFAULT = 4


def native(view: View) -> View:
    """Answer 404, not 403, to the people of a school that chose an external tool."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        person = _person(request)
        if not rights_of(request).has(SERVICE) and queries.in_external_school(person):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]  # return-value: wraps keeps the signature


def _person(request: HttpRequest) -> User:
    # LoginRequiredMiddleware runs first: the user is signed in.
    return cast(User, request.user)


def _own_assignment(request: HttpRequest, assignment_id: int) -> TeachingAssignment:
    rows = TeachingAssignment.objects.filter(
        pk__in=[row.pk for row in queries.teacher_assignments(_person(request), rights_of(request))]
    ).select_related("school_class__school", "teaching_group__school", "subject")
    return get_object_or_404(rows, pk=assignment_id)


def _refused(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _saved(form: Any, call: Callable[[], Any]) -> Any:
    """Run the action when the form is valid; put its ValidationError on the form (None)."""
    if not form.is_valid():
        return None
    try:
        return call() or True
    except ValidationError as error:
        form.add_error(None, error)
        return None


def _status(form: Any) -> int:
    return 422 if form.is_bound and form.errors else 200


# The hub and the records -------------------------------------------------------------------


@require_GET
@native
@service_required(SERVICE)
def home(request: HttpRequest) -> HttpResponse:
    """Open the service on the person's entries: their record, their children's, their
    classes, the day's absences and the school settings."""
    person = _person(request)
    page = queries.home_page(person, rights_of(request))
    staff = page.assignments or page.classes or page.pupil_life_schools or page.managed_schools
    if page.is_pupil and not staff and not page.children:
        return redirect("pupil_records:pupil", person.pk)
    if len(page.children) == 1 and not staff and not page.is_pupil:
        return redirect("pupil_records:pupil", page.children[0].pk)
    return render(request, "pupil_records/home.html", {"page": page})


@require_GET
@native
@service_required(SERVICE)
def pupil(request: HttpRequest, pupil_id: int) -> HttpResponse:
    """Show a pupil's period: grades by subject with averages, competencies and absences."""
    person, rights = _person(request), rights_of(request)
    shown = get_object_or_404(queries.record_pupils(person), pk=pupil_id)
    period_id = request.GET.get("period", "")
    record = queries.pupil_record(
        person, shown, period_id=int(period_id) if period_id.isdigit() else None, rights=rights
    )
    period = record.period
    context = {
        "record": record,
        "latest": queries.latest_levels(record.ratings),
        "may_download": queries.report_pupils(person).filter(pk=shown.pk).exists(),
        "may_comment": period is not None
        and can_comment_report(person, shown.pk, period.school_id, rights=rights),
        "comment_form": forms.ReportCommentForm(
            initial={"text": record.comment.text if record.comment else ""}
        ),
    }
    return render(request, "pupil_records/pupil.html", context)


def _report_period(request: HttpRequest, pupil_id: int, period_id: int) -> tuple[User, Period]:
    shown = get_object_or_404(queries.report_pupils(_person(request)), pk=pupil_id)
    periods = {period.pk: period for period in queries.pupil_periods(shown)}
    if period_id not in periods:
        raise Http404
    return shown, periods[period_id]


@require_GET
@native
@service_required(SERVICE)
def report(request: HttpRequest, pupil_id: int, period_id: int) -> HttpResponse:
    """Download a pupil's period report as a PDF."""
    shown, period = _report_period(request, pupil_id, period_id)
    document = period_report(queries.report_record(shown, period))
    response = HttpResponse(document, content_type="application/pdf")
    name = f"bulletin-{shown.pk}-{period.starts_on:%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@native
@service_required(SERVICE, level=Level.USE)
def report_comment(request: HttpRequest, pupil_id: int, period_id: int) -> HttpResponse:
    """Write the class teacher's comment of a pupil's report."""
    shown, period = _report_period(request, pupil_id, period_id)
    form = forms.ReportCommentForm(request.POST)
    if form.is_valid():
        actions.comment_report(
            actor=_person(request),
            pupil=shown,
            period=period,
            text=form.cleaned_data["text"],
            rights=rights_of(request),
        )
        messages.success(request, _("The comment is saved."))
    return redirect(reverse("pupil_records:pupil", args=[shown.pk]) + f"?period={period.pk}")


@require_GET
@native
@service_required(SERVICE)
def class_overview(request: HttpRequest, class_id: int) -> HttpResponse:
    """Show a class's pupils with their overall average and half-days of absence in a period,
    for its professeur principal and the head."""
    person, rights = _person(request), rights_of(request)
    school_class = get_object_or_404(
        queries.overview_classes(person, rights).select_related("school"), pk=class_id
    )
    periods = list(Period.objects.filter(school=school_class.school).order_by("starts_on"))
    chosen = request.GET.get("period", "")
    period = next((p for p in periods if str(p.pk) == chosen), None)
    period = period or queries.current_period(periods)
    rows = queries.class_overview(school_class, period) if period else []
    context = {"school_class": school_class, "periods": periods, "period": period, "rows": rows}
    return render(request, "pupil_records/class.html", context)


# Gradebook and grades ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@native
@service_required(SERVICE, level=Level.USE)
def gradebook(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """List a class's or group's assessments in the teacher's subject, and set a new one."""
    assignment = _own_assignment(request, assignment_id)
    form = forms.AssessmentForm(request.POST or None)
    created = _saved(
        form,
        lambda: actions.create_assessment(
            actor=_person(request),
            assignment=assignment,
            rights=rights_of(request),
            **form.cleaned_data,
        ),
    )
    if created:
        return redirect("pupil_records:assessment", created.pk)
    context = {"book": queries.gradebook(assignment), "form": form}
    return render(request, "pupil_records/gradebook.html", context, status=_status(form))


@require_http_methods(["GET", "POST"])
@native
@service_required(SERVICE, level=Level.USE)
def assessment(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Enter the grades of a whole class or group in one form; one wrong line saves nothing."""
    person, rights = _person(request), rights_of(request)
    found = get_object_or_404(
        Assessment.objects.gradable_by(person, rights=rights).select_related("period"),
        pk=assessment_id,
    )
    sheet = queries.grade_sheet(found)
    form = forms.GradeSheetForm(
        request.POST or None, pupils=[row.pupil for row in sheet], initial=_sheet_initial(sheet)
    )
    result = _saved(
        form,
        lambda: actions.enter_grades(
            actor=person, assessment=found, entries=form.entries(), rights=rights
        ),
    )
    if result:
        text = _("Grades saved: %(created)d new, %(changed)d changed, %(removed)d cleared.")
        messages.success(request, text % result.__dict__)
        return redirect("pupil_records:assessment", found.pk)
    may_grade = can_grade(person, found, rights=rights)
    context = {"assessment": found, "form": form, "may_grade": may_grade}
    return render(request, "pupil_records/assessment.html", context, status=_status(form))


def _sheet_initial(sheet: list[queries.SheetRow]) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for row in sheet:
        if row.grade is not None:
            value = row.grade.value
            initial[f"value_{row.pupil.pk}"] = (
                "" if value is None else f"{value.normalize():f}".replace(".", ",")
            )
            initial[f"status_{row.pupil.pk}"] = row.grade.status
            initial[f"comment_{row.pupil.pk}"] = row.grade.comment
    return initial


@require_POST
@native
@service_required(SERVICE, level=Level.USE)
def assessment_publish(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Publish an assessment's grades to pupils and families."""
    person, rights = _person(request), rights_of(request)
    found = get_object_or_404(
        Assessment.objects.gradable_by(person, rights=rights), pk=assessment_id
    )
    actions.publish_assessment(actor=person, assessment=found, rights=rights)
    messages.success(request, _("The grades are published."))
    return redirect("pupil_records:assessment", found.pk)


@require_GET
@native
@service_required(SERVICE)
def grade(request: HttpRequest, grade_id: int) -> HttpResponse:
    """Show one grade and its history: who set which value, when."""
    found = get_object_or_404(
        Grade.objects.visible_to(_person(request), rights=rights_of(request)).select_related(
            "assessment", "pupil"
        ),
        pk=grade_id,
    )
    return render(
        request, "pupil_records/grade.html", {"grade": found, "history": queries.history_of(found)}
    )


# Competencies ------------------------------------------------------------------------------


def _grid(request: HttpRequest, assignment: TeachingAssignment) -> forms.CompetencyGridForm:
    choice = forms.CompetencyChoiceForm(request.GET)
    chosen = list(choice.cleaned_data["competencies"]) if choice.is_valid() else []
    chosen = chosen or list(Competency.objects.order_by("domain", "code")[:GRID_DEFAULT])
    asked = request.POST.get("rated_on") or request.GET.get("day")
    day = forms.DayForm({"day": asked}).chosen()
    grid = queries.competency_grid(assignment, day, chosen)
    levels = {f"level_{row.pupil.pk}_{c}": v for row in grid for c, v in row.levels.items()}
    form = forms.CompetencyGridForm(
        request.POST or None,
        pupils=[row.pupil for row in grid],
        competencies=chosen,
        initial={"rated_on": day} | levels,
    )
    form.choice = choice  # type: ignore[attr-defined]  # attr-defined: the picker, for the page
    return form


@require_http_methods(["GET", "POST"])
@native
@service_required(SERVICE, level=Level.USE)
def competencies(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """Rate the pupils of a class or group on chosen competencies, on one day."""
    assignment = _own_assignment(request, assignment_id)
    form = _grid(request, assignment)
    saved = _saved(
        form,
        lambda: actions.rate_competencies(
            actor=_person(request),
            assignment=assignment,
            rated_on=form.cleaned_data["rated_on"],
            entries=form.entries(),
            rights=rights_of(request),
        ),
    )
    if saved:
        messages.success(request, _("The ratings are saved."))
        day = form.cleaned_data["rated_on"]
        return redirect(f"{request.path}?day={day:%Y-%m-%d}")
    context = {"assignment": assignment, "form": form}
    return render(request, "pupil_records/competencies.html", context, status=_status(form))


# Absences ----------------------------------------------------------------------------------


def _division(request: HttpRequest, kind: str, division_id: int) -> SchoolClass | TeachingGroup:
    model: Any = {"classe": SchoolClass, "groupe": TeachingGroup}.get(kind)
    if model is None:
        raise Http404
    division = get_object_or_404(model.objects.select_related("school"), pk=division_id)
    if not can_take_register(_person(request), division, rights=rights_of(request)):
        raise Http404
    return division  # type: ignore[no-any-return]  # no-any-return: one of the two models


def _today() -> dict[str, Any]:
    now = timezone.localtime()
    return {"day": now.date(), "slot": "MORNING" if now.hour < 12 else "AFTERNOON"}


def _register_forms(
    request: HttpRequest, division: SchoolClass | TeachingGroup
) -> tuple[forms.RegisterDayForm, forms.RegisterForm]:
    when = forms.RegisterDayForm(request.POST or request.GET or None, initial=_today())
    chosen = when.cleaned_data if when.is_valid() else _today()
    start, end = actions.slot_window(chosen["day"], chosen["slot"])
    sheet = queries.register_sheet(division, start, end)
    form = forms.RegisterForm(
        request.POST or None,
        pupils=[row.pupil for row in sheet],
        day=chosen["day"],
        slot=chosen["slot"],
        initial=_marks(sheet),
    )
    return when, form


@require_http_methods(["GET", "POST"])
@native
@service_required(SERVICE, level=Level.USE)
def register(request: HttpRequest, kind: str, division_id: int) -> HttpResponse:
    """Call the register of a class or a group for a half-day, from any device."""
    division = _division(request, kind, division_id)
    when, form = _register_forms(request, division)
    done = _saved(
        form,
        lambda: actions.take_register(
            actor=_person(request),
            division=division,
            day=form.day,
            slot=form.slot,
            marks=form.marks(),
            rights=rights_of(request),
        ),
    )
    if done:
        text = _("Register saved: %(absences)d absent, %(lateness)d late, %(cleared)d back.")
        messages.success(request, text % done.__dict__)
        query = f"?day={form.day:%Y-%m-%d}&slot={form.slot}"
        return redirect(reverse("pupil_records:register", args=[kind, division.pk]) + query)
    context = {"division": division, "when": when, "form": form, "kind": kind}
    return render(request, "pupil_records/register.html", context, status=_status(form))


def _marks(sheet: list[queries.RegisterRow]) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for row in sheet:
        if row.absence is not None:
            initial[f"mark_{row.pupil.pk}"] = actions.ABSENT
        elif row.lateness is not None:
            initial[f"mark_{row.pupil.pk}"] = actions.LATE
            initial[f"minutes_{row.pupil.pk}"] = row.lateness.minutes_late
    return initial


@require_GET
@native
@service_required(SERVICE, level=Level.USE)
def daily(request: HttpRequest) -> HttpResponse:
    """List the day's absences and lateness of the schools the person runs as CPE or head."""
    person = _person(request)
    if not pupil_life_school_ids(person).exists():
        raise PermissionDenied
    form = forms.DayForm(request.GET)
    day = form.chosen()
    rows = queries.daily_absences(person, day, rights=rights_of(request))
    return render(request, "pupil_records/daily.html", {"form": form, "day": day, "rows": rows})


def _visible_absence(request: HttpRequest, absence_id: int) -> Absence:
    rows = Absence.objects.visible_to(_person(request), rights=rights_of(request))
    return get_object_or_404(rows.select_related("pupil", "recorded_by", "school"), pk=absence_id)


def _absence_forms(request: HttpRequest, found: Absence) -> dict[str, Any]:
    person, rights = _person(request), rights_of(request)
    times = {
        "kind": found.kind,
        "minutes_late": found.minutes_late,
        "starts_at": timezone.localtime(found.starts_at),
        "ends_at": timezone.localtime(found.ends_at),
    }
    return {
        "justify": forms.JustificationForm()
        if can_justify_absence(person, found, rights=rights)
        else None,
        "classify": forms.ClassifyForm(initial={"reason": found.reason})
        if can_classify_absence(person, found.school_id, rights=rights)
        else None,
        "change": forms.AbsenceChangeForm(initial=times)
        if can_change_absence(person, found, rights=rights)
        else None,
    }


@require_GET
@native
@service_required(SERVICE)
def absence(request: HttpRequest, absence_id: int) -> HttpResponse:
    """Show an absence, its history, and what the reader may do about it."""
    found = _visible_absence(request, absence_id)
    context = {"absence": found, "history": queries.history_of(found)}
    return render(request, "pupil_records/absence.html", context | _absence_forms(request, found))


def _absence_form(
    request: HttpRequest, absence_id: int, form_class: type[Any], act: Callable[..., Any]
) -> HttpResponse:
    found = _visible_absence(request, absence_id)
    form = form_class(request.POST)
    call = lambda: act(  # noqa: E731 (a deferred call, like the other views' lambdas)
        actor=_person(request), absence=found, rights=rights_of(request), **form.cleaned_data
    )
    if _saved(form, call):
        messages.success(request, _("The absence is updated."))
    for errors in form.errors.values():
        for message in errors:
            messages.error(request, message)
    return redirect("pupil_records:absence", found.pk)


@require_POST
@native
@service_required(SERVICE, level=Level.USE)
def absence_justify(request: HttpRequest, absence_id: int) -> HttpResponse:
    """Justify a child's absence: a reason and a few words."""
    return _absence_form(request, absence_id, forms.JustificationForm, actions.justify_absence)


@require_POST
@native
@service_required(SERVICE, level=Level.USE)
def absence_classify(request: HttpRequest, absence_id: int) -> HttpResponse:
    """Classify an absence with its reason (CPE, head)."""
    return _absence_form(request, absence_id, forms.ClassifyForm, actions.classify_absence)


@require_POST
@native
@service_required(SERVICE, level=Level.USE)
def absence_change(request: HttpRequest, absence_id: int) -> HttpResponse:
    """Correct the kind or the times of an absence."""
    return _absence_form(request, absence_id, forms.AbsenceChangeForm, actions.change_absence)


# The school's settings ---------------------------------------------------------------------


def in_school(view: View) -> View:
    """Answer 404 for a school the person holds no role in, before the service's 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, school_id: int, **kwargs: Any) -> HttpResponse:
        if school_id not in {role.school_id for role in rights_of(request).roles}:
            raise Http404
        return view(request, *args, school_id=school_id, **kwargs)

    return wrapper  # type: ignore[return-value]  # return-value: wraps keeps the signature


@require_http_methods(["GET", "POST"])
@in_school
@service_required("school_admin", level=Level.MANAGE)
def school_settings(request: HttpRequest, school_id: int) -> HttpResponse:
    """Choose the native service or an external vie scolaire tool, and the periods (head)."""
    person, school = _person(request), get_object_or_404(School, pk=school_id)
    if not can_manage_settings(person, school.pk):
        raise PermissionDenied
    page = queries.settings_page(school)
    form = forms.SettingsForm(request.POST or None, initial=page.initial)
    call = lambda: actions.apply_settings(  # noqa: E731 (a deferred call)
        actor=person, school=school, year=school_year_of(), **form.cleaned_data
    )
    if _saved(form, call):
        messages.success(request, _("The settings are saved."))
        return redirect("pupil_records:settings", school.pk)
    context = {"school": school, "form": form, "page": page}
    return render(request, "pupil_records/settings.html", context, status=_status(form))
