"""Pages of the cahier de textes: the teacher's logs and entries, the pupil's week and work due,
the guardian's view per child, the personal cahier, the cahier journal, visas and accesses."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ent.directory.models import User
from ent.rights.decorators import service_required
from ent.rights.queries import rights_of
from ent.rights.registry import Level

from . import actions, exports, queries
from .forms import (
    AccessForm,
    CopyForm,
    EntryEditForm,
    EntryForm,
    ImportForm,
    NotesForm,
    PersonalForm,
    PrefillForm,
    VisaForm,
    WeekForm,
    WorkDoneForm,
    WorkEditForm,
    WorkForm,
    entry_initial,
    session_formset,
    sessions_of,
)
from .models import SERVICE, Attachment, Homework, LessonEntry, Log, PersonalEntry, PupilWork
from .permissions import (
    Division,
    can_edit_entry,
    can_sign,
    can_write_journal,
    current_year,
    is_archived,
    writable_codes,
)

Result = TypeVar("Result")


def _person(request: HttpRequest) -> User:
    # Every view here runs behind LoginRequiredMiddleware and a service gate.
    return cast(User, request.user)


def _attempt(form: Form, call: Callable[[], Result]) -> tuple[Result | None, int]:
    """Run an action; put its refusal (403) or its objection (422) on the form."""
    try:
        return call(), 200
    except PermissionDenied as refusal:
        form.add_error(None, str(refusal) or _("You may not do this."))
        return None, 403
    except ValidationError as error:
        form.add_error(None, error)
        return None, 422


def _visible_log(request: HttpRequest, log_id: int) -> Log:
    logs = Log.objects.visible_to(request.user).select_related(
        "school", "school_class", "teaching_group"
    )
    return get_object_or_404(logs, pk=log_id)


def _visible_entry(request: HttpRequest, entry_id: int) -> LessonEntry:
    entries = LessonEntry.objects.visible_to(request.user).select_related(
        "log__school_class", "log__teaching_group", "log__school", "subject", "author"
    )
    return get_object_or_404(entries, pk=entry_id)


def _pupils(person: User, pupil_id: int | None) -> tuple[list[User], list[User]]:
    """Return the pupils a week page shows (the person, or their children: one or all) and the
    children to pick from."""
    if queries.is_pupil(person):
        return [person], []
    children = queries.children_of(person)
    if pupil_id is None:
        return children, children
    chosen = [child for child in children if child.pk == pupil_id]
    if not chosen:
        raise Http404
    return chosen, children


# --- Home and logs ---------------------------------------------------------------------------


@require_GET
@service_required(SERVICE)
def home(request: HttpRequest) -> HttpResponse:
    """Show what the person has in the cahier de textes: logs, week, children, school."""
    person = _person(request)
    actions.ensure_teacher_logs(actor=person)
    context = {
        "teacher": queries.teacher_home(person),
        "is_pupil": queries.is_pupil(person),
        "children": queries.children_of(person),
        "heads": rights_of(request).school_ids(SERVICE, level=Level.MANAGE),
        "journal_classes": queries.journal_classes(person),
        "journals": queries.journals_opened_to(person),
    }
    return render(request, "lesson_log/home.html", context)


@require_GET
@service_required(SERVICE)
def log_detail(request: HttpRequest, log_id: int) -> HttpResponse:
    """Show one week of a class or group log, with its work to do and the week's workload."""
    person, log = _person(request), _visible_log(request, log_id)
    monday = queries.monday_of(WeekForm(request.GET).value("week"))
    codes = set() if is_archived(log) else writable_codes(person, log.division, log.year)
    context = {
        "page": queries.log_week(person, log, monday),
        "codes": codes,
        "archived": is_archived(log),
        "can_sign": can_sign(person, log, rights=rights_of(request)),
    }
    return render(request, "lesson_log/log.html", context)


@require_GET
@service_required(SERVICE)
def log_export(request: HttpRequest, log_id: int, fmt: str) -> HttpResponse:
    """Download a log as HTML or plain text (CDT-08)."""
    log = _visible_log(request, log_id)
    entries = queries.log_entries(_person(request), log)
    return exports.log_document(log, list(entries), fmt)


@require_http_methods(["GET", "POST"])
@service_required(SERVICE)
def log_visa(request: HttpRequest, log_id: int) -> HttpResponse:
    """Sign a log up to a date (CDT-11): the head of school or an inspector."""
    person, log = _person(request), _visible_log(request, log_id)
    if not can_sign(person, log, rights=rights_of(request)):
        raise PermissionDenied
    form = VisaForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        visa, status = _attempt(
            form, lambda: actions.sign_log(actor=person, log=log, **form.cleaned_data)
        )
        if visa is not None:
            messages.success(request, _("The cahier is signed."))
            return redirect("lesson_log:log", log.pk)
    elif request.method == "POST":
        status = 422
    visas = log.visas.select_related("signed_by").order_by("-up_to")
    return render(
        request, "lesson_log/visa.html", {"log": log, "form": form, "visas": visas}, status=status
    )


# --- Entries ---------------------------------------------------------------------------------


def _entry_form_page(request: HttpRequest, form: Form, status: int, **extra: Any) -> HttpResponse:
    return render(request, "lesson_log/entry_form.html", {"form": form, **extra}, status=status)


def _new_entry_form(request: HttpRequest, person: User) -> EntryForm:
    """Return the entry form over the person's classes and groups (403 for none)."""
    divisions = queries.teacher_divisions(person)
    if not divisions:
        raise PermissionDenied
    return EntryForm(
        request.POST or None,
        request.FILES or None,
        divisions=divisions,
        labels=queries.subject_labels(code for item in divisions for code in item.codes),
        initial=PrefillForm(request.GET).values(),
    )


def _division(person: User, target: str) -> Division:
    division = queries.division_for(person, target)
    if division is None:
        raise Http404
    return division


@require_http_methods(["GET", "POST"])
@service_required(SERVICE, level=Level.USE)
def entry_new(request: HttpRequest) -> HttpResponse:
    """Write a lesson; a timetable slot opens it prefilled (?target=&date=&start=&subject=)."""
    person = _person(request)
    form = _new_entry_form(request, person)
    if request.method == "GET" or not form.is_valid():
        return _entry_form_page(request, form, 422 if request.method == "POST" else 200)
    call = partial(
        actions.create_entry,
        actor=person,
        division=_division(person, form.cleaned_data["target"]),
        subject_code=form.cleaned_data["subject_code"],
        **form.entry_fields(),
    )
    entry, status = _attempt(form, call)
    if entry is None:
        return _entry_form_page(request, form, status)
    messages.success(request, _("The lesson is saved."))
    return redirect("lesson_log:entry", entry.pk)


@require_GET
@service_required(SERVICE)
def entry_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Show a lesson with its documents and work to do."""
    person = _person(request)
    entry = _visible_entry(request, entry_id)
    context = {
        "entry": entry,
        "homework": entry.homework.prefetch_related("attachments").order_by("due_on", "pk"),
        "attachments": entry.attachments.order_by("pk"),
        "can_edit": can_edit_entry(person, entry, rights=rights_of(request)),
        "work_form": WorkForm(initial={"due_on": entry.date}),
        "is_pupil": queries.is_pupil(person),
    }
    return render(request, "lesson_log/entry.html", context)


def _editable_entry(request: HttpRequest, entry_id: int) -> LessonEntry:
    """Return a visible entry the person may change; 403 otherwise, with the reason."""
    entry = _visible_entry(request, entry_id)
    if not can_edit_entry(_person(request), entry, rights=rights_of(request)):
        raise PermissionDenied
    return entry


@require_http_methods(["GET", "POST"])
@service_required(SERVICE, level=Level.USE)
def entry_edit(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Change a lesson (refused when a visa covers it or its year is over)."""
    person, entry = _person(request), _editable_entry(request, entry_id)
    form = EntryEditForm(request.POST or None, request.FILES or None, initial=entry_initial(entry))
    if request.method == "GET" or not form.is_valid():
        status = 422 if request.method == "POST" else 200
        return _entry_form_page(request, form, status, entry=entry)
    done, status = _attempt(
        form, lambda: actions.update_entry(actor=person, entry=entry, **form.entry_fields())
    )
    if done is None:
        return _entry_form_page(request, form, status, entry=entry)
    messages.success(request, _("The lesson is saved."))
    return redirect("lesson_log:entry", entry.pk)


@require_POST
@service_required(SERVICE, level=Level.USE)
def entry_delete(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Delete a lesson and its work to do."""
    entry = _editable_entry(request, entry_id)
    actions.delete_entry(actor=_person(request), entry=entry)
    messages.success(request, _("The lesson is deleted."))
    return redirect("lesson_log:log", entry.log_id)


@require_POST
@service_required(SERVICE, level=Level.USE)
def work_add(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Add work to do to a lesson."""
    person, entry = _person(request), _editable_entry(request, entry_id)
    form = WorkForm(request.POST, request.FILES)
    status = 422
    if form.is_valid():
        work, status = _attempt(
            form, lambda: actions.add_work(actor=person, entry=entry, work=form.work())
        )
        if work is not None:
            messages.success(request, _("The work to do is added."))
            return redirect("lesson_log:entry", entry.pk)
    context = {"entry": entry, "form": form}
    return render(request, "lesson_log/work_form.html", context, status=status)


def _editable_work(request: HttpRequest, homework_id: int) -> Homework:
    homework = get_object_or_404(
        Homework.objects.visible_to(request.user).select_related("entry__log", "log"),
        pk=homework_id,
    )
    if homework.entry is None or not can_edit_entry(_person(request), homework.entry):
        raise PermissionDenied
    return homework


@require_http_methods(["GET", "POST"])
@service_required(SERVICE, level=Level.USE)
def work_edit(request: HttpRequest, homework_id: int) -> HttpResponse:
    """Change work to do."""
    person, homework = _person(request), _editable_work(request, homework_id)
    initial = {
        "instructions": homework.instructions,
        "due_on": homework.due_on,
        "kind": homework.kind,
        "estimated_minutes": homework.estimated_minutes,
    }
    form = WorkEditForm(request.POST or None, initial=initial)
    status = 200 if request.method == "GET" else 422
    if request.method == "POST" and form.is_valid():
        fields = {
            key: form.cleaned_data[key]
            for key in ("instructions", "due_on", "kind", "estimated_minutes")
        }
        done, status = _attempt(
            form, lambda: actions.update_work(actor=person, homework=homework, **fields)
        )
        if done is not None:
            return redirect("lesson_log:entry", homework.entry_id)
    context = {"entry": homework.entry, "form": form, "homework": homework}
    return render(request, "lesson_log/work_form.html", context, status=status)


@require_POST
@service_required(SERVICE, level=Level.USE)
def work_delete(request: HttpRequest, homework_id: int) -> HttpResponse:
    """Delete work to do."""
    homework = _editable_work(request, homework_id)
    actions.delete_work(actor=_person(request), homework=homework)
    messages.success(request, _("The work to do is deleted."))
    return redirect("lesson_log:entry", homework.entry_id)


@require_GET
@service_required(SERVICE)
def attachment(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """Download a document of a lesson or of work to do one may read."""
    document = get_object_or_404(Attachment.objects.visible_to(request.user), pk=attachment_id)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    # A streamed response: the gate's signature names HttpResponse, the base of both.
    return cast(HttpResponse, FileResponse(handle, as_attachment=True, filename=document.name))


@require_POST
@service_required(SERVICE, level=Level.USE)
def attachment_delete(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """Remove a document from a lesson or from its work to do."""
    documents = Attachment.objects.visible_to(request.user).select_related(
        "entry__log", "homework__entry__log"
    )
    document = get_object_or_404(documents, pk=attachment_id)
    entry = document.entry or (document.homework.entry if document.homework else None)
    actions.remove_attachment(actor=_person(request), attachment=document)
    return redirect("lesson_log:entry", entry.pk) if entry else redirect("lesson_log:home")


# --- Pupils and guardians --------------------------------------------------------------------


@require_GET
@service_required(SERVICE)
def week(request: HttpRequest) -> HttpResponse:
    """Show the pupil's week (or a guardian's children's), Monday to Sunday, every class and
    group together."""
    person, params = _person(request), WeekForm(request.GET)
    pupils, children = _pupils(person, params.value("pupil"))
    monday = queries.monday_of(params.value("week"))
    context = {
        "week": queries.pupil_week(person, pupils, monday),
        "pupils": pupils,
        "children": children,
        "chosen": params.value("pupil"),
        "is_self": pupils == [person],
    }
    return render(request, "lesson_log/week.html", context)


@require_GET
@service_required(SERVICE)
def homework(request: HttpRequest) -> HttpResponse:
    """List the work to do by due date, from a day on (today)."""
    person, params = _person(request), WeekForm(request.GET)
    pupils, children = _pupils(person, params.value("pupil"))
    first = params.value("week") or timezone.localdate()
    items, who = queries.homework_due(person, pupils, first)
    context = {
        "items": items,
        "who": who,
        "pupils": pupils,
        "children": children,
        "first": first,
        "chosen": params.value("pupil"),
        "is_self": pupils == [person],
    }
    return render(request, "lesson_log/homework.html", context)


@require_http_methods(["GET", "POST"])
@service_required(SERVICE)
def work_done(request: HttpRequest) -> HttpResponse:
    """The pupil's own cahier: what they did; their guardians and teachers read it."""
    person = _person(request)
    pupil = queries.readable_pupil(person, WeekForm(request.GET).value("pupil"))
    form = WorkDoneForm(request.POST or None, initial={"homework": request.GET.get("homework")})
    status = 200 if request.method == "GET" else 422
    if request.method == "POST" and form.is_valid():
        homework = queries.own_homework(person, form.cleaned_data["homework"])
        data = {"text": form.cleaned_data["text"], "done_on": form.cleaned_data["done_on"]}
        done, status = _attempt(
            form, lambda: actions.record_work(actor=person, homework=homework, **data)
        )
        if done is not None:
            messages.success(request, _("Your work is recorded."))
            return redirect("lesson_log:work-done")
    context = {
        "pupil": pupil,
        "items": queries.work_done(person, pupil),
        "form": form,
        "own": pupil.pk == person.pk,
        "homework": queries.own_homework(person, form["homework"].value()),
    }
    return render(request, "lesson_log/work_done.html", context, status=status)


@require_http_methods(["GET", "POST"])
@service_required(SERVICE, level=Level.USE)
def work_done_edit(request: HttpRequest, work_id: int) -> HttpResponse:
    """Change a record of the pupil's own cahier (the pupil only)."""
    person = _person(request)
    work = get_object_or_404(PupilWork.objects.visible_to(person), pk=work_id)
    form = WorkDoneForm(request.POST or None, initial={"text": work.text, "done_on": work.done_on})
    status = 200 if request.method == "GET" else 422
    if request.method == "POST" and form.is_valid():
        data = {"text": form.cleaned_data["text"], "done_on": form.cleaned_data["done_on"]}
        done, status = _attempt(
            form, lambda: actions.update_work_done(actor=person, work=work, **data)
        )
        if done is not None:
            return redirect("lesson_log:work-done")
    elif work.pupil_id != person.pk:
        raise PermissionDenied
    return render(
        request, "lesson_log/work_done_edit.html", {"form": form, "work": work}, status=status
    )


# --- Personal cahier (CDT-03, -07, -08, -15) -------------------------------------------------


def _personal(request: HttpRequest, entry_id: int) -> PersonalEntry:
    return get_object_or_404(PersonalEntry.objects.visible_to(request.user), pk=entry_id)


@require_http_methods(["GET", "POST"])
@service_required(SERVICE, level=Level.USE)
def personal(request: HttpRequest) -> HttpResponse:
    """List the personal cahier and write a new preparation."""
    person = _person(request)
    form = PersonalForm(request.POST or None)
    status = 200 if request.method == "GET" else 422
    if request.method == "POST" and form.is_valid():
        done, status = _attempt(
            form, lambda: actions.save_personal_entry(actor=person, **form.fields_for_action())
        )
        if done is not None:
            messages.success(request, _("The preparation is saved."))
            return redirect("lesson_log:personal")
    context = {
        "form": form,
        "entries": queries.personal_entries(person),
        "import_form": ImportForm(),
    }
    return render(request, "lesson_log/personal.html", context, status=status)


@require_http_methods(["GET", "POST"])
@service_required(SERVICE, level=Level.USE)
def personal_edit(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Change a preparation of the personal cahier."""
    person, entry = _person(request), _personal(request, entry_id)
    initial = {
        "title": entry.title,
        "planned_on": entry.planned_on,
        "subject_code": entry.subject_code,
        "content": entry.content,
        "links": "\n".join(
            f"{link['url']} {link.get('label', '')}".strip() for link in entry.links
        ),
    }
    form = PersonalForm(request.POST or None, initial=initial)
    status = 200 if request.method == "GET" else 422
    if request.method == "POST" and form.is_valid():
        done, status = _attempt(
            form,
            lambda: actions.save_personal_entry(
                actor=person, entry=entry, **form.fields_for_action()
            ),
        )
        if done is not None:
            return redirect("lesson_log:personal")
    return render(
        request, "lesson_log/personal_edit.html", {"form": form, "entry": entry}, status=status
    )


@require_POST
@service_required(SERVICE, level=Level.USE)
def personal_delete(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Delete a preparation of the personal cahier."""
    actions.delete_personal_entry(actor=_person(request), entry=_personal(request, entry_id))
    messages.success(request, _("The preparation is deleted."))
    return redirect("lesson_log:personal")


@require_http_methods(["GET", "POST"])
@service_required(SERVICE, level=Level.USE)
def personal_copy(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Copy a preparation into a class or group log as a draft lesson (CDT-07)."""
    person, entry = _person(request), _personal(request, entry_id)
    divisions = queries.teacher_divisions(person)
    labels = queries.subject_labels(code for item in divisions for code in item.codes)
    initial = {"date": entry.planned_on, "subject_code": entry.subject_code}
    form = CopyForm(request.POST or None, divisions=divisions, labels=labels, initial=initial)
    status = 200 if request.method == "GET" else 422
    if request.method == "POST" and form.is_valid():
        division = _division(person, form.cleaned_data.pop("target"))
        copied, status = _attempt(
            form,
            lambda: actions.copy_to_log(
                actor=person, entry=entry, division=division, **form.cleaned_data
            ),
        )
        if copied is not None:
            messages.success(request, _("The preparation is copied as a draft lesson."))
            return redirect("lesson_log:entry-edit", copied.pk)
    return render(
        request, "lesson_log/personal_copy.html", {"form": form, "entry": entry}, status=status
    )


@require_GET
@service_required(SERVICE, level=Level.USE)
def personal_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Download the personal cahier as HTML, plain text or JSON (CDT-08, -15)."""
    person = _person(request)
    return exports.personal_document(person, list(queries.personal_entries(person)), fmt)


@require_POST
@service_required(SERVICE, level=Level.USE)
def personal_import(request: HttpRequest) -> HttpResponse:
    """Add the preparations of a JSON export to the personal cahier (CDT-15)."""
    person, form = _person(request), ImportForm(request.POST, request.FILES)
    status = 422
    if form.is_valid():
        count, status = _attempt(
            form,
            lambda: actions.import_personal_cahier(actor=person, data=form.cleaned_data["file"]),
        )
        if count is not None:
            messages.success(request, _("%(count)d preparation(s) imported.") % {"count": count})
            return redirect("lesson_log:personal")
    context = {
        "form": PersonalForm(),
        "entries": queries.personal_entries(person),
        "import_form": form,
    }
    return render(request, "lesson_log/personal.html", context, status=status)


# --- Cahier journal (CDT-01, -05, -12, -16) --------------------------------------------------


@require_GET
@service_required(SERVICE)
def journal(request: HttpRequest) -> HttpResponse:
    """Show one week of a cahier journal: one's own, or one opened to the person."""
    person, params = _person(request), WeekForm(request.GET)
    owner = queries.journal_owner(person, params.value("owner"))
    monday = queries.monday_of(params.value("week"))
    context = {
        "owner": owner,
        "own": owner.pk == person.pk,
        "owner_param": owner.pk if owner.pk != person.pk else None,
        "can_write": can_write_journal(person, owner),
        "days": queries.journal_week(person, owner, monday),
        "week": queries.Week(monday, []),
        "classes": queries.journal_classes(owner),
        "import_form": ImportForm(),
    }
    return render(request, "lesson_log/journal.html", context)


@require_http_methods(["GET", "POST"])
@service_required(SERVICE, level=Level.USE)
def journal_day(request: HttpRequest, class_id: int, day: str) -> HttpResponse:
    """Write one day of the cahier journal for a class."""
    person = _person(request)
    owner = queries.journal_owner(person, WeekForm(request.GET).value("owner"))
    school_class, when = queries.journal_class(owner, class_id), queries.parse_day(day)
    plan = queries.day_plan(person, owner, school_class, when)
    formset = session_formset(request.POST or None, sessions=plan.sessions if plan else ())
    notes = NotesForm(request.POST or None, initial={"notes": plan.notes if plan else ""})
    where: dict[str, Any]
    status, where = (
        200 if request.method == "GET" else 422,
        {"owner": owner, "school_class": school_class, "day": when},
    )
    if request.method == "POST" and formset.is_valid() and notes.is_valid():
        fields = {"sessions": sessions_of(formset), "notes": notes.cleaned_data["notes"]}
        saved, status = _attempt(
            notes, partial(actions.save_day_plan, actor=person, **where, **fields)
        )
        if saved is not None:
            messages.success(request, _("The day is saved."))
            return redirect(request.get_full_path())
    context = {"formset": formset, "notes": notes, "plan": plan, **where}
    return render(request, "lesson_log/journal_day.html", context, status=status)


@require_GET
@service_required(SERVICE, level=Level.USE)
def journal_export(request: HttpRequest) -> HttpResponse:
    """Download one's cahier journal as JSON (CDT-16)."""
    person = _person(request)
    return exports.journal_document(person, queries.own_day_plans(person))


@require_POST
@service_required(SERVICE, level=Level.USE)
def journal_import(request: HttpRequest) -> HttpResponse:
    """Add or replace days of one's cahier journal from a JSON export (CDT-16)."""
    person, form = _person(request), ImportForm(request.POST, request.FILES)
    if form.is_valid():
        count, _status = _attempt(
            form, lambda: actions.import_journal(actor=person, data=form.cleaned_data["file"])
        )
        if count is not None:
            messages.success(request, _("%(count)d day(s) imported.") % {"count": count})
            return redirect("lesson_log:journal")
    for error in form.non_field_errors() + form.errors.get("file", []):
        messages.error(request, str(error))
    return redirect("lesson_log:journal")


# --- Accesses, school, archives --------------------------------------------------------------


def _open_access(person: User, data: dict[str, Any]) -> Any:
    log, school_class = queries.access_target(person, data["target"])
    grantee = queries.person_by_login(data["login"])
    if grantee is None:
        raise ValidationError(_("Nobody has the login %(login)s.") % {"login": data["login"]})
    return actions.open_access(
        actor=person,
        grantee=grantee,
        kind=data["kind"],
        starts_on=data["starts_on"],
        ends_on=data["ends_on"],
        log=log,
        school_class=school_class,
    )


@require_http_methods(["GET", "POST"])
@service_required(SERVICE, level=Level.USE)
def accesses(request: HttpRequest) -> HttpResponse:
    """List the accesses the teacher opened, and open one (CDT-12, -13, -14)."""
    person = _person(request)
    form = AccessForm(request.POST or None, targets=queries.access_targets(person))
    status = 200 if request.method == "GET" else 422
    if request.method == "POST" and form.is_valid():
        opened, status = _attempt(form, lambda: _open_access(person, form.cleaned_data))
        if opened is not None:
            messages.success(request, _("The access is open."))
            return redirect("lesson_log:accesses")
    context = {"form": form, "given": queries.accesses_given(person)}
    return render(request, "lesson_log/accesses.html", context, status=status)


@require_POST
@service_required(SERVICE, level=Level.USE)
def access_revoke(request: HttpRequest, access_id: int) -> HttpResponse:
    """End an access now."""
    access = queries.own_access(_person(request), access_id)
    actions.revoke_access(actor=_person(request), access=access)
    messages.success(request, _("The access is closed."))
    return redirect("lesson_log:accesses")


@require_http_methods(["GET", "POST"])
@service_required(SERVICE, level=Level.MANAGE)
def school(request: HttpRequest) -> HttpResponse:
    """List the logs of the head's schools for this year; create the missing ones."""
    person = _person(request)
    school_ids = rights_of(request).school_ids(SERVICE, level=Level.MANAGE) or set()
    schools = queries.schools(school_ids)
    if request.method == "POST":
        for item in schools:
            actions.ensure_logs(actor=person, school=item)
        messages.success(request, _("The cahiers of every class and group exist."))
        return redirect("lesson_log:school")
    logs = queries.school_logs(person, school_ids, current_year())
    return render(request, "lesson_log/school.html", {"logs": logs, "schools": schools})


@require_GET
@service_required(SERVICE)
def archives(request: HttpRequest) -> HttpResponse:
    """List the cahiers of past school years one may read (CDT-10)."""
    return render(request, "lesson_log/archives.html", {"logs": queries.archives(_person(request))})
