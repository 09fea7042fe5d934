"""Input of the timetable pages: validation only, forms never save."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .importers import EDT, ICAL, STS, max_bytes
from .importers.resolve import Target
from .models import Colour
from .queries import VIEWS, WEEK

VIEW_LABELS = {"week": _("Week"), "fortnight": _("Fortnight"), "month": _("Month")}


class PageForm(forms.Form):
    """Which timetable, which period and which subject to show (EDT-02, -03)."""

    target = forms.CharField(label=_("Timetable"), max_length=60, required=False)
    view = forms.ChoiceField(
        label=_("Show"), required=False, choices=[(view, VIEW_LABELS[view]) for view in VIEWS]
    )
    date = forms.DateField(label=_("Date"), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)

    def values(self) -> tuple[str, str, dt.date, str]:
        """Return the target key, view, day and subject, with defaults for what is invalid."""
        data = self.cleaned_data if self.is_valid() else {}
        return (
            data.get("target") or "",
            data.get("view") or WEEK,
            data.get("date") or timezone.localdate(),
            data.get("subject") or "",
        )


class CancelForm(forms.Form):
    note = forms.CharField(
        label=_("Note for pupils and families"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MoveForm(forms.Form):
    day = forms.DateField(label=_("New date"), widget=forms.DateInput(attrs={"type": "date"}))
    starts = forms.TimeField(label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends = forms.TimeField(label=_("Ends at"), widget=forms.TimeInput(attrs={"type": "time"}))
    room = forms.CharField(label=_("Room"), max_length=100, required=False)
    note = forms.CharField(
        label=_("Note for pupils and families"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts") and data.get("ends") and data["ends"] <= data["starts"]:
            raise forms.ValidationError(_("The lesson must end after it starts."))
        return data

    def moment(self, name: str) -> dt.datetime:
        """Return the new start or end as an aware datetime."""
        data = self.cleaned_data
        return timezone.make_aware(dt.datetime.combine(data["day"], data[name]))


class ImportForm(forms.Form):
    """A timetable file, its kind (told from its content when left empty) and, for an
    iCalendar file, whom it is for."""

    file = forms.FileField(label=_("Timetable file (.xml, .ics or .zip)"), allow_empty_file=True)
    kind = forms.ChoiceField(
        label=_("Kind of file"),
        required=False,
        choices=[
            ("", _("Recognise it from its content")),
            (STS, _("STS-web emp_sts export")),
            (ICAL, _("iCalendar (.ics)")),
            (EDT, _("Index Education (EDT) export")),
        ],
    )
    target = forms.ChoiceField(label=_("For (iCalendar only)"), required=False)

    def __init__(self, *args: Any, targets: list[Target], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.targets = {target.scope: target for target in targets}
        self.fields["target"].choices = [  # type: ignore[attr-defined]  # attr-defined: ChoiceField
            ("", "—"),
            *((target.scope, target.label) for target in targets),
        ]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > max_bytes():
            raise forms.ValidationError(
                _("The file is too large: the limit is %(limit)d bytes.") % {"limit": max_bytes()}
            )
        return upload

    def chosen_target(self) -> Target | None:
        """Return the chosen class, group or teacher."""
        return self.targets.get(self.cleaned_data.get("target") or "")


class ColourForm(forms.Form):
    subject = forms.ChoiceField(label=_("Subject"))
    colour = forms.ChoiceField(
        label=_("Colour"), required=False, choices=[("", _("Default")), *Colour.choices]
    )

    def __init__(self, *args: Any, subjects: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = subjects  # type: ignore[attr-defined]  # attr-defined: ChoiceField
