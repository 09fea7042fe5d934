"""HTML input of the cahier de textes. Forms validate input only; actions decide and save."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .actions import WorkInput
from .models import Status, WorkKind, validate_attachment
from .queries import DivisionChoice

MAX_IMPORT_BYTES = 2 << 20

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


SAVE_CHOICES = (
    (Status.DRAFT, _("Save as a draft (only I see it)")),
    (Status.PUBLISHED, _("Publish now")),
    (Status.SCHEDULED, _("Publish at a date and time")),
)


def parse_links(text: str) -> list[dict[str, str]]:
    """Read one link per line: the address, then an optional label."""
    links = []
    for line in (text or "").splitlines():
        parts = line.strip().split(maxsplit=1)
        if parts:
            links.append({"url": parts[0], "label": parts[1] if len(parts) > 1 else ""})
    return links


def links_text(links: Sequence[dict[str, str]]) -> str:
    """Write links back one per line, for editing."""
    return "\n".join(f"{link['url']} {link.get('label', '')}".strip() for link in links)


def _subject_choices(
    divisions: Sequence[DivisionChoice], labels: dict[str, str]
) -> list[tuple[str, Any]]:
    codes = sorted({code for division in divisions for code in division.codes})
    return [(code, labels.get(code, code) if code else _("All subjects")) for code in codes]


class WorkFields(forms.Form):
    """The work to do given with a lesson (CDT-04)."""

    work_instructions = forms.CharField(
        label=_("Work to do"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Leave empty when there is no work to do."),
    )
    work_due_on = forms.DateField(label=_("Due on"), required=False, widget=DATE)
    work_kind = forms.ChoiceField(
        label=_("Kind of work"), choices=WorkKind.choices, initial=WorkKind.HOMEWORK
    )
    work_minutes = forms.IntegerField(
        label=_("Estimated time (minutes)"), required=False, min_value=1, max_value=600
    )
    work_attachment = forms.FileField(
        label=_("Document for the work"), required=False, validators=[validate_attachment]
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("work_instructions", "").strip() and not data.get("work_due_on"):
            self.add_error("work_due_on", _("Give the date the work is due."))
        return data

    def work(self) -> list[WorkInput]:
        """Return the work to do typed in, if any."""
        data = self.cleaned_data
        if not data.get("work_instructions", "").strip():
            return []
        files = [data["work_attachment"]] if data.get("work_attachment") else []
        return [
            WorkInput(
                instructions=data["work_instructions"],
                due_on=data["work_due_on"],
                kind=data["work_kind"],
                estimated_minutes=data.get("work_minutes"),
                attachments=files,
            )
        ]


class EntryForm(WorkFields):
    """A lesson: where, when, what, and how it is published."""

    field_order = ("target", "subject_code", "date", "starts_at", "ends_at", "title")

    target = forms.CharField(label=_("Class or group"), widget=forms.Select)
    subject_code = forms.CharField(label=_("Subject"), required=False, widget=forms.Select)
    date = forms.DateField(label=_("Date of the lesson"), widget=DATE)
    starts_at = forms.TimeField(label=_("Starts at"), required=False, widget=TIME)
    ends_at = forms.TimeField(label=_("Ends at"), required=False, widget=TIME)
    title = forms.CharField(label=_("Title of the lesson"), max_length=200)
    content = forms.CharField(
        label=_("What was done"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Plain text; line breaks are kept."),
    )
    links = forms.CharField(
        label=_("Links to resources"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line: the address (https://…), then an optional label."),
    )
    attachment = forms.FileField(
        label=_("Document"),
        required=False,
        validators=[validate_attachment],
        help_text=_("10 MB at most: PDF, office documents, images, sound or video."),
    )
    status = forms.ChoiceField(
        label=_("Publication"), choices=SAVE_CHOICES, widget=forms.RadioSelect
    )
    publish_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(
        self,
        *args: Any,
        divisions: Sequence[DivisionChoice] = (),
        labels: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].widget.choices = [(d.target, d.label) for d in divisions]
        self.fields["subject_code"].widget.choices = _subject_choices(divisions, labels or {})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == Status.SCHEDULED and not data.get("publish_at"):
            self.add_error("publish_at", _("Give the date and time of publication."))
        return data

    def entry_fields(self) -> dict[str, Any]:
        """Return the keyword arguments of the entry actions."""
        data = self.cleaned_data
        return {
            "date": data["date"],
            "title": data["title"],
            "starts_at": data.get("starts_at"),
            "ends_at": data.get("ends_at"),
            "content": data.get("content", ""),
            "links": parse_links(data.get("links", "")),
            "status": data["status"],
            "publish_at": data.get("publish_at"),
            "attachments": [data["attachment"]] if data.get("attachment") else [],
            "work": self.work(),
        }


class EntryEditForm(EntryForm):
    """The same lesson, its class, group and subject fixed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["target"]
        del self.fields["subject_code"]


def entry_initial(entry: Any) -> dict[str, Any]:
    """Return the form's initial values for an existing entry."""
    return {
        "date": entry.date,
        "starts_at": entry.starts_at,
        "ends_at": entry.ends_at,
        "title": entry.title,
        "content": entry.content,
        "links": links_text(entry.links),
        "status": Status.PUBLISHED if entry.is_visible_to_pupils else entry.status,
        "publish_at": timezone.localtime(entry.publish_at) if entry.publish_at else None,
    }


class PrefillForm(forms.Form):
    """The query of a timetable slot: ?target=class-3&date=2026-03-10&start=10:00&subject=X."""

    target = forms.CharField(required=False)
    date = forms.DateField(required=False)
    start = forms.TimeField(required=False)
    subject = forms.CharField(required=False)

    def values(self) -> dict[str, Any]:
        """Return the entry form's initial values from a valid slot (ignoring bad parts)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "target": data.get("target") or "",
            "date": data.get("date") or timezone.localdate(),
            "starts_at": data.get("start"),
            "subject_code": data.get("subject") or "",
            "status": Status.PUBLISHED,
            "work_kind": WorkKind.HOMEWORK,
        }


class WorkForm(forms.Form):
    """Work to do added to a lesson, or changed."""

    instructions = forms.CharField(
        label=_("Work to do"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    due_on = forms.DateField(label=_("Due on"), widget=DATE)
    kind = forms.ChoiceField(label=_("Kind of work"), choices=WorkKind.choices)
    estimated_minutes = forms.IntegerField(
        label=_("Estimated time (minutes)"), required=False, min_value=1, max_value=600
    )
    attachment = forms.FileField(
        label=_("Document for the work"), required=False, validators=[validate_attachment]
    )

    def work(self) -> WorkInput:
        data = self.cleaned_data
        return WorkInput(
            instructions=data["instructions"],
            due_on=data["due_on"],
            kind=data["kind"],
            estimated_minutes=data.get("estimated_minutes"),
            attachments=[data["attachment"]] if data.get("attachment") else [],
        )


class WorkEditForm(WorkForm):
    """Work to do changed: its documents stay as they are."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["attachment"]


class WeekForm(forms.Form):
    """The week shown (any day of it) and, for a guardian, the child."""

    week = forms.DateField(required=False)
    pupil = forms.IntegerField(required=False, min_value=1)
    owner = forms.IntegerField(required=False, min_value=1)

    def value(self, name: str) -> Any:
        return self.cleaned_data.get(name) if self.is_valid() else None


class VisaForm(forms.Form):
    up_to = forms.DateField(label=_("Sign the lessons up to"), widget=DATE)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AccessForm(forms.Form):
    """Open a cahier to a reader or a substitute."""

    target = forms.ChoiceField(label=_("Cahier"))
    login = forms.CharField(
        label=_("Login of the person"),
        max_length=150,
        help_text=_("The inspector, conseiller pédagogique or substitute teacher."),
    )
    kind = forms.ChoiceField(
        label=_("Access"),
        widget=forms.RadioSelect,
        choices=(
            ("WINDOW", _("Read only, from date to date (inspection, visit)")),
            ("SUBSTITUTE", _("Write on my behalf (substitute teacher)")),
        ),
    )
    starts_on = forms.DateField(label=_("From"), widget=DATE)
    ends_on = forms.DateField(label=_("Until (included)"), widget=DATE)

    def __init__(self, *args: Any, targets: Sequence[tuple[str, str]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = list(targets)  # type: ignore[attr-defined]  # attr-defined: a ChoiceField


class PersonalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    planned_on = forms.DateField(label=_("Planned for"), required=False, widget=DATE)
    subject_code = forms.CharField(label=_("Subject code"), required=False, max_length=20)
    content = forms.CharField(
        label=_("Preparation"),
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    links = forms.CharField(
        label=_("Links to resources"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line: the address (https://…), then an optional label."),
    )

    def fields_for_action(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["links"] = parse_links(data.get("links", ""))
        return data


class CopyForm(forms.Form):
    """Copy a preparation into a class or group log (CDT-07)."""

    target = forms.CharField(label=_("Class or group"), widget=forms.Select)
    subject_code = forms.CharField(label=_("Subject"), required=False, widget=forms.Select)
    date = forms.DateField(label=_("Date of the lesson"), widget=DATE)
    starts_at = forms.TimeField(label=_("Starts at"), required=False, widget=TIME)
    ends_at = forms.TimeField(label=_("Ends at"), required=False, widget=TIME)

    def __init__(
        self,
        *args: Any,
        divisions: Sequence[DivisionChoice] = (),
        labels: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].widget.choices = [(d.target, d.label) for d in divisions]
        self.fields["subject_code"].widget.choices = _subject_choices(divisions, labels or {})


class ImportForm(forms.Form):
    file = forms.FileField(label=_("JSON file exported by the ENT"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is too large (2 MB at most)."))
        try:
            return json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise forms.ValidationError(_("This file is not JSON.")) from None


class SessionForm(forms.Form):
    """One planned session of a day of the cahier journal."""

    starts_at = forms.TimeField(label=_("Starts at"), required=False, widget=TIME)
    ends_at = forms.TimeField(label=_("Ends at"), required=False, widget=TIME)
    title = forms.CharField(label=_("Domain or activity"), required=False, max_length=200)
    content = forms.CharField(
        label=_("Planned work"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


SessionFormSet = forms.formset_factory(SessionForm, extra=0, max_num=20)


def session_formset(data: Any = None, *, sessions: Sequence[dict[str, str]] = ()) -> Any:
    """Return the sessions of a day, with empty rows to add more."""
    initial = [dict(session) for session in sessions] + [{} for _ in range(3)]
    return SessionFormSet(data, initial=initial, prefix="session")


def sessions_of(formset: Any) -> list[dict[str, str]]:
    """Return the sessions typed in a valid formset."""
    return [
        {
            "starts_at": form.cleaned_data["starts_at"].strftime("%H:%M")
            if form.cleaned_data.get("starts_at")
            else "",
            "ends_at": form.cleaned_data["ends_at"].strftime("%H:%M")
            if form.cleaned_data.get("ends_at")
            else "",
            "title": form.cleaned_data.get("title", ""),
            "content": form.cleaned_data.get("content", ""),
        }
        for form in formset.forms
        if form.cleaned_data
    ]


class NotesForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes of the day"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class WorkDoneForm(forms.Form):
    """A record of the pupil's own cahier."""

    text = forms.CharField(
        label=_("What I did"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    done_on = forms.DateField(label=_("Done on"), widget=DATE, initial=timezone.localdate)
    homework = forms.IntegerField(required=False, widget=forms.HiddenInput)


def as_date(value: str | None) -> date | None:
    """Read an ISO date from a query string, None when absent or wrong."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
