"""Input of the news pages. Forms validate and convert; the actions save."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ent.directory.models import Profile

from .actions import BODY_MAX, TITLE_MAX, Draft
from .models import Kind

AUTHORITY = "authority"
PROFILE_CHOICES = [(p.value, p.label) for p in Profile if p != Profile.GST]


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class AnnouncementForm(forms.Form):
    """An item: where it shows, what it says, for how long and to whom."""

    school = forms.ChoiceField(label=_("Published by"))
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Kind.choices, widget=forms.RadioSelect, initial=Kind.NEWS
    )
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Links and simple formatting are kept; anything else is removed."),
    )
    starts_on = forms.DateField(
        label=_("Shown from (empty: as soon as it is validated)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ends_on = forms.DateField(
        label=_("Shown until (included)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    duration_days = forms.IntegerField(
        label=_("Or shown for this many days"), required=False, min_value=1, max_value=366
    )
    whole_community = forms.BooleanField(label=_("The whole school community"), required=False)
    profiles = forms.MultipleChoiceField(
        label=_("Profiles"),
        choices=PROFILE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    lists = forms.MultipleChoiceField(
        label=_("Classes and groups"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    offered_to = forms.MultipleChoiceField(
        label=_("Schools to offer it to (local authority)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        schools: list[tuple[str, str]],
        lists: list[tuple[str, str]],
        authority: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = list(schools)
        if authority:
            choices.append((AUTHORITY, str(_("The local authority"))))
        self.fields["school"].choices = choices  # type: ignore[attr-defined]  # attr-defined: a ChoiceField
        self.fields["lists"].choices = lists  # type: ignore[attr-defined]  # attr-defined: same
        self.fields["offered_to"].choices = authority  # type: ignore[attr-defined]  # attr-defined: same
        if not authority:
            del self.fields["offered_to"]

    def draft(self) -> Draft:
        """Return the cleaned input as the actions take it."""
        data = self.cleaned_data
        starts_on: date | None = data.get("starts_on")
        ends_on: date | None = data.get("ends_on")
        starts_at = _midnight(starts_on) if starts_on and starts_on > timezone.localdate() else None
        return Draft(
            title=data["title"],
            body=data.get("body") or "",
            kind=data["kind"],
            starts_at=starts_at,
            ends_at=_midnight(ends_on + timedelta(days=1)) if ends_on else None,
            duration_days=data.get("duration_days"),
            whole_community=bool(data.get("whole_community")),
            profiles=data.get("profiles") or [],
            lists=data.get("lists") or [],
        )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it sent back?"), max_length=2000, required=False, widget=forms.TextInput
    )


class AcceptForm(forms.Form):
    school = forms.IntegerField(widget=forms.HiddenInput)
