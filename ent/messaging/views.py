"""The webmail (UTI-CCO-CEL-02): folders, messages, writing, search, settings and the school's
external mail policy. Every page reads through `queries` and writes through `actions`."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import EmptyPage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ent.core import attachments as file_sources
from ent.core.html import to_text
from ent.directory.models import Membership, Profile, School, SchoolClass, TeachingGroup, User
from ent.moderation import registry as moderation
from ent.rights.decorators import service_required
from ent.rights.permissions import is_operator

from . import actions, permissions, queries
from .addresses import address_of
from .forms import (
    AddressForm,
    AutoReplyForm,
    BatchForm,
    ComposeForm,
    FolderForm,
    ForwardingForm,
    PolicyForm,
    SearchForm,
    SignatureForm,
)
from .models import (
    SERVICE,
    Attachment,
    AutoReply,
    Entry,
    ExternalPolicy,
    Folder,
    Forwarding,
    Message,
    Role,
    ScanStatus,
    Signature,
    Status,
)

PER_PAGE = 50
# Reports name the reader's entry: only its owner sees it (ent.moderation).
REPORT_KIND = "messaging.message"


def _person(request: HttpRequest) -> User:
    # Every view here runs behind LoginRequiredMiddleware: the user is signed in.
    return cast(User, request.user)


def _folder(request: HttpRequest, folder_id: int) -> Folder:
    return get_object_or_404(Folder.objects.visible_to(_person(request)), pk=folder_id)


def _ids(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.isdigit()]


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


def _folder_page(request: HttpRequest, folder: Folder) -> HttpResponse:
    person = _person(request)
    try:
        page = queries.folder_page(person, folder, page=_page_number(request), per_page=PER_PAGE)
    except EmptyPage as error:
        raise Http404 from error
    rows = queries.folders_with_counts(person)
    context = {"folder": folder, "page": page, "rows": rows, "targets": folder_choices(rows)}
    context["batch_actions"] = BatchForm.ACTIONS
    context["my_address"] = address_of(request.user)  # type: ignore[arg-type]  # arg-type: signed in
    return render(request, "messaging/folder.html", context)


@require_GET
@service_required(SERVICE)
def home(request: HttpRequest) -> HttpResponse:
    """Show the inbox (UTI-CCO-CEL-02)."""
    return _folder_page(request, actions.ensure_mailbox(person=_person(request))[Role.INBOX])


@require_GET
@service_required(SERVICE)
def folder(request: HttpRequest, folder_id: int) -> HttpResponse:
    """Show one folder of the person's box, newest first."""
    return _folder_page(request, _folder(request, folder_id))


@require_GET
@service_required(SERVICE)
def message(request: HttpRequest, entry_id: int) -> HttpResponse:
    """Show a message of the person's box and mark it read; a draft opens in the editor."""
    person = _person(request)
    entry = queries.message_for(person, entry_id)
    if entry.message.status == Status.DRAFT and entry.folder.role == Role.DRAFTS:
        return redirect(reverse("messaging:compose") + f"?draft={entry.message_id}")
    if not entry.seen:
        actions.mark_entries(actor=person, entries=[entry], seen=True)
    context = {
        "entry": entry,
        "mail": entry.message,
        "attachments": list(entry.message.attachments.all()),
        "rows": queries.folders_with_counts(person),
        "is_author": entry.message.author_id == person.pk,
        "report_link": _reportable(),
    }
    return render(request, "messaging/message.html", context)


@require_GET
@service_required(SERVICE)
def attachment(request: HttpRequest, entry_id: int, attachment_id: int) -> HttpResponse:
    """Download an attachment that the antivirus let through (UTI-CCO-CEL-19)."""
    entry = queries.message_for(_person(request), entry_id)
    item = get_object_or_404(Attachment, message_id=entry.message_id, pk=attachment_id)
    if item.scan not in (ScanStatus.CLEAN, ScanStatus.UNSCANNED):
        raise Http404
    # FileResponse streams: the view is typed like the others, as lesson_log does.
    return cast(
        HttpResponse, FileResponse(item.file.open("rb"), as_attachment=True, filename=item.filename)
    )


def _draft(request: HttpRequest, message_id: Any) -> Message | None:
    """The person's draft `message_id` (from the form or the URL), or None for a new one."""
    try:
        pk = int(message_id or 0)
    except (TypeError, ValueError):
        raise Http404 from None
    if not pk:
        return None
    entries = Entry.objects.visible_to(_person(request)).filter(
        folder__role=Role.DRAFTS, message__status=Status.DRAFT
    )
    return get_object_or_404(entries.select_related("message"), message_id=pk).message


def _compose_form(request: HttpRequest, draft: Message | None, **kwargs: Any) -> ComposeForm:
    return ComposeForm(
        documents=document_choices(_person(request)),
        attachments=attachment_choices(draft),
        **kwargs,
    )


def _compose_page(
    request: HttpRequest, form: ComposeForm, draft: Message | None, status: int = 200
) -> HttpResponse:
    if request.POST.get("action") == ComposeForm.AUTOSAVE:
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        return JsonResponse(
            {"draft": draft.pk if draft else None, "errors": errors, **_draft_state(draft)},
            status=status,
        )
    context: dict[str, Any] = {"form": form, "draft": draft}
    context["has_documents"] = file_sources.source() is not None
    context["draft_attachments"] = list(draft.attachments.all()) if draft else []
    return render(request, "messaging/compose.html", context, status=status)


def _draft_state(draft: Message | None) -> dict[str, Any]:
    items = list(draft.attachments.all()) if draft else []
    html = render_to_string("messaging/_draft_attachments.html", {"draft_attachments": items})
    return {"attachments_html": html, "saved_at": timezone.localtime().strftime("%H:%M")}


def _save(request: HttpRequest, form: ComposeForm, draft: Message | None) -> Message:
    data = form.cleaned_data
    return actions.save_draft(
        actor=_person(request),
        draft=draft,
        **form.content(),
        uploads=data.get("uploads") or (),
        stored_file_ids=data.get("stored_file_ids") or (),
        remove_attachment_ids=data.get("remove_attachment_ids") or (),
    )


def _refused(form: ComposeForm, error: Exception) -> None:
    reasons = getattr(error, "reasons", None)
    if reasons:
        for address, reason in reasons.items():
            form.add_error(None, f"{address}: {reason}")
    else:
        form.add_error(None, str(error.args[0]) if error.args else _("You may not do this."))


@require_http_methods(["GET", "POST"])
@service_required(SERVICE)
def compose(request: HttpRequest) -> HttpResponse:
    """Write a message: save it as a draft, or send it (UTI-CCO-CEL-02, -07)."""
    person = _person(request)
    draft = _draft(request, request.POST.get("draft") or request.GET.get("draft"))
    if request.method == "GET":
        initial = compose_initial(person, draft, request.GET)
        return _compose_page(request, _compose_form(request, draft, initial=initial), draft)
    form = _compose_form(request, draft, data=request.POST, files=request.FILES)
    valid = form.is_valid()
    # A message is never lost: whatever can be kept is saved as a draft before anything else.
    draft = _keep_draft(request, form, draft)
    if not valid or form.errors:
        return _compose_page(request, _compose_form_again(request, form, draft), draft, 422)
    if form.cleaned_data["action"] != ComposeForm.SEND:
        return _saved(request, form, draft)
    return _send(request, form, draft)


def _keep_draft(request: HttpRequest, form: ComposeForm, draft: Message | None) -> Message | None:
    if not hasattr(form, "cleaned_data"):
        return draft
    if "uploads" not in form.cleaned_data:
        form.cleaned_data["uploads"] = ()
    try:
        return _save(request, form, draft)
    except (PermissionDenied, ValidationError) as error:
        _refused(form, error)
        return draft


def _compose_form_again(request: HttpRequest, form: ComposeForm, draft: Message | None) -> Any:
    """The same form, showing the draft as saved (its id, its attachments) and the errors."""
    # The body shown again is the cleaned one: what was refused never reaches the page.
    body = form.content()["body_html"] if hasattr(form, "cleaned_data") else ""
    data = {**request.POST.dict(), "draft": draft and draft.pk, "body": body, "body_format": "html"}
    data.pop("stored_file_ids", None)
    again = _compose_form(request, draft, data=data)
    again._errors = form.errors  # type: ignore[attr-defined]  # attr-defined: reuse the errors found
    again.cleaned_data = {}
    return again


def _saved(request: HttpRequest, form: ComposeForm, draft: Message | None) -> HttpResponse:
    if form.cleaned_data["action"] == ComposeForm.AUTOSAVE:
        return JsonResponse({"draft": draft.pk if draft else None, **_draft_state(draft)})
    messages.success(request, _("Your draft has been saved."))
    return redirect(reverse("messaging:compose") + f"?draft={draft.pk if draft else ''}")


def _send(request: HttpRequest, form: ComposeForm, draft: Message | None) -> HttpResponse:
    try:
        actions.send_message(actor=_person(request), draft=draft, **form.content())
    except (PermissionDenied, ValidationError) as error:
        _refused(form, error)
        return _compose_page(request, _compose_form_again(request, form, draft), draft, 422)
    messages.success(request, _("Your message has been sent."))
    return redirect("messaging:home")


@require_POST
@service_required(SERVICE)
def batch(request: HttpRequest) -> HttpResponse:
    """Delete, move, mark or flag several messages at once (UTI-CCO-CEL-15)."""
    person = _person(request)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("messaging:home")
    form = BatchForm(request.POST, entry_ids=_ids(request.POST.getlist("entries")))
    form.fields["target"].choices = [(f.pk, f.name) for f in Folder.objects.visible_to(person)]  # type: ignore[attr-defined]  # attr-defined: a ChoiceField
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    done = batch_apply(person, form.cleaned_data)
    messages.success(
        request, ngettext("%(n)d message done.", "%(n)d messages done.", done) % {"n": done}
    )
    return redirect(back)


@require_GET
@service_required(SERVICE)
def search(request: HttpRequest) -> HttpResponse:
    """Search the person's mail by sender, recipients, subject and text."""
    person = _person(request)
    rows = queries.folders_with_counts(person)
    form = SearchForm(request.GET or None, folders=folder_choices(rows))
    results: list[Entry] = []
    if form.is_valid() and form.cleaned_data["q"].strip():
        where = form.cleaned_data["folder"]
        scope = _folder(request, where) if where else None
        results = list(queries.search(person, form.cleaned_data["q"], folder=scope))
    context = {"form": form, "results": results, "rows": rows, "searched": form.is_bound}
    return render(request, "messaging/search.html", context)


@require_http_methods(["GET", "POST"])
@service_required(SERVICE)
def folders(request: HttpRequest) -> HttpResponse:
    """List the person's folders and create one, nested or not (UTI-CCO-CEL-11)."""
    person = _person(request)
    rows = queries.folders_with_counts(person)
    form = FolderForm(request.POST or None, parents=folder_choices(rows, custom_parents=True))
    if request.method == "POST" and form.is_valid():
        parent = (
            _folder(request, form.cleaned_data["parent"]) if form.cleaned_data["parent"] else None
        )
        try:
            made = actions.create_folder(
                actor=person, name=form.cleaned_data["name"], parent=parent
            )
        except (PermissionDenied, ValidationError) as error:
            _refused(form, error)  # type: ignore[arg-type]  # arg-type: any form takes errors
        else:
            messages.success(
                request, _("The folder “%(name)s” has been created.") % {"name": made.name}
            )
            return redirect("messaging:folders")
    status = 422 if form.errors else 200
    context = {
        "form": form,
        "rows": rows,
        "rename_parents": folder_choices(rows, custom_parents=True),
    }
    return render(request, "messaging/folders.html", context, status=status)


@require_POST
@service_required(SERVICE)
def folder_rename(request: HttpRequest, folder_id: int) -> HttpResponse:
    """Rename a folder or move it under another one."""
    person, target = _person(request), _folder(request, folder_id)
    form = FolderForm(
        request.POST,
        parents=folder_choices(queries.folders_with_counts(person), custom_parents=True),
    )
    if not form.is_valid():
        return _folders_error(request, form)
    parent = _folder(request, form.cleaned_data["parent"]) if form.cleaned_data["parent"] else None
    try:
        actions.rename_folder(
            actor=person, folder=target, name=form.cleaned_data["name"], parent=parent
        )
    except (PermissionDenied, ValidationError) as error:
        _refused(form, error)  # type: ignore[arg-type]  # arg-type: any form takes errors
        return _folders_error(request, form)
    messages.success(request, _("The folder has been renamed."))
    return redirect("messaging:folders")


@require_POST
@service_required(SERVICE)
def folder_delete(request: HttpRequest, folder_id: int) -> HttpResponse:
    """Delete a folder of one's own; its messages go to the trash."""
    person, target = _person(request), _folder(request, folder_id)
    try:
        actions.delete_folder(actor=person, folder=target)
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, str(error.args[0]) if error.args else _("You may not do this."))
        return redirect("messaging:folders")
    messages.success(request, _("The folder has been deleted; its messages are in the trash."))
    return redirect("messaging:folders")


def _folders_error(request: HttpRequest, form: FolderForm) -> HttpResponse:
    rows = queries.folders_with_counts(_person(request))
    context = {
        "form": FolderForm(parents=folder_choices(rows, custom_parents=True)),
        "rename_form": form,
        "rows": rows,
        "rename_parents": folder_choices(rows, custom_parents=True),
    }
    return render(request, "messaging/folders.html", context, status=422)


@require_GET
@service_required(SERVICE)
def mail_settings(request: HttpRequest) -> HttpResponse:
    """Show the out-of-office answer, blocked senders, forwarding and signature."""
    return render(request, "messaging/settings.html", settings_context(_person(request)))


def _settings_error(request: HttpRequest, name: str, form: Any) -> HttpResponse:
    context = settings_context(_person(request), **{name: form})
    return render(request, "messaging/settings.html", context, status=422)


def _settings_write(request: HttpRequest, name: str, form: Any, write: Any) -> HttpResponse:
    """Validate one settings form and run its action; refusals are shown on the form."""
    if not form.is_valid():
        return _settings_error(request, name, form)
    try:
        write(form.cleaned_data)
    except (PermissionDenied, ValidationError) as error:
        _refused(form, error)
        return _settings_error(request, name, form)
    messages.success(request, _("Your mail settings have been saved."))
    return redirect("messaging:settings")


@require_POST
@service_required(SERVICE)
def settings_auto_reply(request: HttpRequest) -> HttpResponse:
    """Set the out-of-office answer (UTI-CCO-CEL-13)."""
    person = _person(request)
    return _settings_write(
        request,
        "auto_reply_form",
        AutoReplyForm(request.POST),
        lambda data: actions.set_auto_reply(actor=person, **data),
    )


@require_POST
@service_required(SERVICE)
def settings_block(request: HttpRequest) -> HttpResponse:
    """Stop receiving mail from an address or a domain (UTI-CCO-CEL-12)."""
    person = _person(request)
    return _settings_write(
        request,
        "block_form",
        AddressForm(request.POST),
        lambda data: actions.block_sender(actor=person, address=data["address"]),
    )


@require_POST
@service_required(SERVICE)
def settings_unblock(request: HttpRequest, blocked_id: int) -> HttpResponse:
    """Receive mail from a blocked address again."""
    person = _person(request)
    blocked = get_object_or_404(person.mail_blocked.all(), pk=blocked_id)
    actions.unblock_sender(actor=person, address=blocked.address)
    messages.success(
        request, _("“%(address)s” is no longer blocked.") % {"address": blocked.address}
    )
    return redirect("messaging:settings")


@require_POST
@service_required(SERVICE)
def settings_forwarding(request: HttpRequest) -> HttpResponse:
    """Forward one's mail to an authorised address, or stop (UTI-CCO-CEL-04)."""
    person = _person(request)
    return _settings_write(
        request,
        "forwarding_form",
        ForwardingForm(request.POST),
        lambda data: actions.set_forwarding(actor=person, address=data["address"] or None),
    )


@require_POST
@service_required(SERVICE)
def settings_signature(request: HttpRequest) -> HttpResponse:
    """Set the signature added below each new message."""
    person = _person(request)
    return _settings_write(
        request,
        "signature_form",
        SignatureForm(request.POST),
        lambda data: actions.set_signature(actor=person, body_html=data["body"]),
    )


@require_http_methods(["GET", "POST"])
@service_required(SERVICE)
def policy(request: HttpRequest) -> HttpResponse:
    """The school's external mail rules, for its head (UTI-CCO-CEL-05, -06)."""
    person = _person(request)
    context = policy_context(person, request.GET.get("school") or request.POST.get("school"))
    if context is None:
        raise PermissionDenied
    form = PolicyForm(request.POST or None, targets=context["targets"])
    if request.method == "POST" and form.is_valid():
        try:
            policy_save(person, context["school"], form.cleaned_data)
        except (PermissionDenied, ValidationError) as error:
            _refused(form, error)  # type: ignore[arg-type]  # arg-type: any form takes errors
        else:
            messages.success(request, _("The external mail rule has been saved."))
            return redirect(reverse("messaging:policy") + f"?school={context['school'].pk}")
    status = 422 if form.errors else 200
    return render(request, "messaging/policy.html", {**context, "form": form}, status=status)


# Page helpers: what the forms offer, filled from the person's own box.


def folder_label(folder: Folder) -> str:
    """The name shown for a folder: the special ones in the person's language."""
    return str(Role(folder.role).label) if folder.role else folder.name


def folder_choices(rows: Any, *, custom_parents: bool = False) -> list[tuple[int, str]]:
    """The folders as (id, indented label) choices, in tree order."""
    return [
        (row.folder.pk, "\u2003" * row.depth + folder_label(row.folder))
        for row in rows
        if not custom_parents or row.folder.role not in (Role.TRASH, Role.JUNK)
    ]


def document_choices(person: User, limit: int = 200) -> list[tuple[int, str]]:
    """The person's stored files they may attach (UTI-CCO-CEL-07), newest first."""
    source = file_sources.source()
    if source is None:
        return []
    files = list(source.list_files(person))[:limit]
    return [(f.id, f"{f.path}/{f.name}" if f.path else f.name) for f in files]


def _reportable() -> bool:
    """Whether mail can be reported to moderators (the kind is registered at start-up)."""
    try:
        moderation.get(REPORT_KIND)
    except LookupError:
        return False
    return True


def attachment_choices(draft: Message | None) -> list[tuple[int, str]]:
    return [(a.pk, a.filename) for a in draft.attachments.all()] if draft else []


def _reply_initial(person: User, entry_id: str, mode: str) -> dict[str, Any]:
    try:
        entry = queries.message_for(person, int(entry_id))
    except ValueError:
        raise Http404 from None
    original, own = entry.message, address_of(person)
    quoted = f"<p></p><blockquote>{original.body_html}</blockquote>"
    if mode == "forward":
        return {"subject": _("Fwd: %(subject)s") % {"subject": original.subject}, "body": quoted}
    to = [original.sender_address]
    cc: list[str] = []
    if mode == "all":
        to += [a for a in original.to if a.lower() != own and a not in to]
        cc = [a for a in original.cc if a.lower() != own]
    subject = original.subject
    if not subject.lower().startswith("re:"):
        subject = _("Re: %(subject)s") % {"subject": subject}
    return {"to": ", ".join(to), "cc": ", ".join(cc), "subject": subject, "body": quoted,
            "in_reply_to": original.message_id}  # fmt: skip


def compose_initial(person: User, draft: Message | None, params: Any) -> dict[str, Any]:
    """What the editor starts with: the draft, the answered message, or the signature."""
    if draft is not None:
        return {
            "draft": draft.pk,
            "to": ", ".join(draft.to),
            "cc": ", ".join(draft.cc),
            "bcc": ", ".join(draft.bcc),
            "subject": draft.subject,
            "body": draft.body_html,
            "body_format": "html",
            "receipt_requested": draft.receipt_requested,
            "in_reply_to": draft.in_reply_to,
        }
    initial: dict[str, Any] = {"body_format": "html", "body": ""}
    if params.get("reply"):
        initial.update(_reply_initial(person, params["reply"], params.get("mode", "")))
    elif params.get("to"):
        initial["to"] = params["to"]
    signature = Signature.objects.filter(owner=person).first()
    if signature and signature.body_html:
        initial["body"] = f"<p></p><p>-- </p>{signature.body_html}" + initial["body"]
    return initial


def batch_apply(person: User, data: dict[str, Any]) -> int:
    """Run one batch action on the person's chosen entries; any other id is a 404."""
    ids = set(data["entries"])
    entries = list(Entry.objects.visible_to(person).filter(pk__in=ids).select_related("folder"))
    if len(entries) != len(ids):
        raise Http404
    action = data["action"]
    if action == "delete":
        return actions.trash_entries(actor=person, entries=entries)
    if action == "move":
        target = get_object_or_404(Folder.objects.visible_to(person), pk=data["target"])
        return actions.move_entries(actor=person, entries=entries, folder=target)
    flags = {
        "read": {"seen": True},
        "unread": {"seen": False},
        "flag": {"flagged": True},
        "unflag": {"flagged": False},
    }[action]
    return actions.mark_entries(actor=person, entries=entries, **flags)


def settings_context(person: User, **forms: Any) -> dict[str, Any]:
    """The settings page: each form filled with what the person set before."""
    auto = AutoReply.objects.filter(owner=person).first()
    forwarding = Forwarding.objects.filter(owner=person).first()
    signature = Signature.objects.filter(owner=person).first()
    today = timezone.localdate()
    auto_initial = (
        {"enabled": auto.enabled, "starts_on": auto.starts_on, "ends_on": auto.ends_on,
         "subject": auto.subject, "body": auto.body}
        if auto
        else {"starts_on": today, "ends_on": today, "subject": _("Out of office")}
    )  # fmt: skip
    return {
        "auto_reply_form": forms.get("auto_reply_form") or AutoReplyForm(initial=auto_initial),
        "block_form": forms.get("block_form") or AddressForm(),
        "blocked": list(person.mail_blocked.order_by("address")),
        "forwarding_form": forms.get("forwarding_form")
        or ForwardingForm(initial={"address": forwarding.address if forwarding else ""}),
        "may_forward": permissions.can_forward(person),
        "signature_form": forms.get("signature_form")
        or SignatureForm(initial={"body": to_text(signature.body_html) if signature else ""}),
        "address": address_of(person),
        "rows": queries.folders_with_counts(person),
    }


def _headed_schools(person: User) -> list[School]:
    """The schools whose external mail rules the person may set (their head, an operator)."""
    if is_operator(person):
        return list(School.objects.order_by("name"))
    ids = Membership.objects.current().filter(person=person).values_list("school_id", flat=True)
    schools = School.objects.filter(pk__in=ids).order_by("name")
    return [school for school in schools if permissions.can_set_external_policy(person, school)]


def policy_context(person: User, school_id: Any) -> dict[str, Any] | None:
    """The head's school, its rules and what a rule may apply to; None for anyone else."""
    schools = _headed_schools(person)
    if not schools:
        return None
    school = next((s for s in schools if str(s.pk) == str(school_id)), schools[0])
    rules = (
        ExternalPolicy.objects.filter(school=school)
        .select_related("school_class", "teaching_group", "person")
        .order_by("profile", "school_class__label", "teaching_group__label", "pk")
    )
    targets = [(f"profile:{code}", str(label)) for code, label in Profile.choices]
    targets += [
        (f"class:{c.pk}", _("Class %(label)s") % {"label": c.label})
        for c in SchoolClass.objects.filter(school=school).order_by("label")
    ]
    targets += [
        (f"group:{g.pk}", _("Group %(label)s") % {"label": g.label})
        for g in TeachingGroup.objects.filter(school=school).order_by("label")
    ]
    return {"school": school, "schools": schools, "rules": list(rules), "targets": targets,
            "rows": queries.folders_with_counts(person)}  # fmt: skip


def policy_save(person: User, school: School, data: dict[str, Any]) -> None:
    """Save one rule of the form through the action (the action checks the head's right)."""
    kind, _sep, value = data["target"].partition(":")
    target: dict[str, Any] = {"profile": "", "school_class": None, "teaching_group": None}
    if kind == "profile":
        target["profile"] = value
    elif kind == "class":
        target["school_class"] = get_object_or_404(SchoolClass, school=school, pk=value)
    else:
        target["teaching_group"] = get_object_or_404(TeachingGroup, school=school, pk=value)
    actions.set_external_policy(
        actor=person,
        school=school,
        **target,
        internal_only=data["internal_only"],
        allowed=data["allowed"],
    )
