"""HTML input of the pupil follow-up. Forms validate and parse; actions decide and save."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ent.directory.models import User

from .actions import ABSENT, LATE, MAX_MINUTES_LATE, PRESENT, GradeEntry, Mark, RatingEntry
from .models import (
    FAMILY_REASONS,
    AbsenceKind,
    Competency,
    GradeStatus,
    MasteryLevel,
    Reason,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class AssessmentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    held_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    max_score = forms.DecimalField(
        label=_("Graded out of"),
        min_value=Decimal("0.01"),
        max_value=Decimal(200),
        decimal_places=2,
        initial=Decimal(20),
        localize=True,
    )
    coefficient = forms.DecimalField(
        label=_("Coefficient"),
        min_value=Decimal("0.01"),
        max_value=Decimal(100),
        decimal_places=2,
        initial=Decimal(1),
        localize=True,
    )


def parse_score(text: str) -> Decimal | None:
    """Read a grade typed as "12,5" or "12.5"; empty means none."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise forms.ValidationError(_("Type a number, such as 12,5.")) from None
    if not value.is_finite():
        raise forms.ValidationError(_("Type a number, such as 12,5."))
    return value


class GradeSheetForm(forms.Form):
    """One grade, one status and one comment per pupil of the class or group."""

    def __init__(self, *args: Any, pupils: Sequence[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pupils = list(pupils)
        for pupil in self.pupils:
            name = pupil.display_name
            self.fields[f"value_{pupil.pk}"] = forms.CharField(
                label=_("Grade of %(name)s") % {"name": name}, required=False, max_length=10
            )
            self.fields[f"status_{pupil.pk}"] = forms.ChoiceField(
                label=_("Status of %(name)s") % {"name": name},
                choices=GradeStatus.choices,
                initial=GradeStatus.GRADED,
            )
            self.fields[f"comment_{pupil.pk}"] = forms.CharField(
                label=_("Comment for %(name)s") % {"name": name}, required=False, max_length=300
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for pupil in self.pupils:
            key = f"value_{pupil.pk}"
            try:
                cleaned[key] = parse_score(cleaned.get(key) or "")
            except forms.ValidationError as error:
                self.add_error(key, error)
        return cleaned

    def entries(self) -> list[GradeEntry]:
        """Return one entry per pupil; a status other than graded drops the typed value."""
        data = self.cleaned_data
        result = []
        for pupil in self.pupils:
            status = data[f"status_{pupil.pk}"]
            value = data.get(f"value_{pupil.pk}") if status == GradeStatus.GRADED else None
            result.append(
                GradeEntry(pupil.pk, value, status, data.get(f"comment_{pupil.pk}") or "")
            )
        return result

    def rows(self) -> list[tuple[User, forms.BoundField, forms.BoundField, forms.BoundField]]:
        """Return each pupil with their three fields, for the template."""
        return [
            (
                pupil,
                self[f"value_{pupil.pk}"],
                self[f"status_{pupil.pk}"],
                self[f"comment_{pupil.pk}"],
            )
            for pupil in self.pupils
        ]


LEVEL_CHOICES = [("", _("not rated")), *((str(v), str(label)) for v, label in MasteryLevel.choices)]


class CompetencyGridForm(forms.Form):
    """A level per pupil and per competency, for one day."""

    rated_on = forms.DateField(label=_("Date of the rating"), widget=DATE_INPUT)

    def __init__(
        self,
        *args: Any,
        pupils: Sequence[User],
        competencies: Sequence[Competency],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.pupils, self.competencies = list(pupils), list(competencies)
        for pupil in self.pupils:
            for competency in self.competencies:
                self.fields[f"level_{pupil.pk}_{competency.pk}"] = forms.ChoiceField(
                    label=_("%(competency)s, %(name)s")
                    % {"competency": competency.label, "name": pupil.display_name},
                    choices=LEVEL_CHOICES,
                    required=False,
                )

    def entries(self) -> list[RatingEntry]:
        """Return one entry per cell."""
        data = self.cleaned_data
        return [
            RatingEntry(
                pupil.pk,
                competency.pk,
                int(data[f"level_{pupil.pk}_{competency.pk}"])
                if data.get(f"level_{pupil.pk}_{competency.pk}")
                else None,
            )
            for pupil in self.pupils
            for competency in self.competencies
        ]

    def rows(self) -> list[tuple[User, list[forms.BoundField]]]:
        """Return each pupil with their cells, in the order of the competencies."""
        return [
            (pupil, [self[f"level_{pupil.pk}_{c.pk}"] for c in self.competencies])
            for pupil in self.pupils
        ]


class CompetencyChoiceForm(forms.Form):
    """Which competencies the grid shows."""

    competencies = forms.ModelMultipleChoiceField(
        label=_("Competencies"),
        queryset=Competency.objects.order_by("domain", "code"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    day = forms.DateField(label=_("Date of the rating"), widget=DATE_INPUT, required=False)


SLOT_CHOICES = [("MORNING", _("morning")), ("AFTERNOON", _("afternoon"))]
MARK_CHOICES = [(PRESENT, _("present")), (ABSENT, _("absent")), (LATE, _("late"))]


class RegisterDayForm(forms.Form):
    """The day and the half-day of a register."""

    day = forms.DateField(label=_("Day"), widget=DATE_INPUT)
    slot = forms.ChoiceField(label=_("Half-day"), choices=SLOT_CHOICES)


class RegisterForm(forms.Form):
    """Present, absent or late, and minutes late, for each pupil, for one half-day."""

    def __init__(
        self, *args: Any, pupils: Sequence[User], day: date, slot: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.pupils, self.day, self.slot = list(pupils), day, slot
        for pupil in self.pupils:
            name = pupil.display_name
            self.fields[f"mark_{pupil.pk}"] = forms.ChoiceField(
                label=_("%(name)s is") % {"name": name},
                choices=MARK_CHOICES,
                initial=PRESENT,
            )
            self.fields[f"minutes_{pupil.pk}"] = forms.IntegerField(
                label=_("Minutes late, %(name)s") % {"name": name},
                required=False,
                min_value=1,
                max_value=MAX_MINUTES_LATE,
            )

    def marks(self) -> list[Mark]:
        """Return one mark per pupil."""
        data = self.cleaned_data
        return [
            Mark(pupil.pk, data[f"mark_{pupil.pk}"], data.get(f"minutes_{pupil.pk}"))
            for pupil in self.pupils
        ]

    def rows(self) -> list[tuple[User, forms.BoundField, forms.BoundField]]:
        """Return each pupil with their two fields."""
        return [(p, self[f"mark_{p.pk}"], self[f"minutes_{p.pk}"]) for p in self.pupils]


class DayForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=DATE_INPUT, required=False)

    def chosen(self) -> date:
        """Return the day asked for, today by default."""
        if self.is_valid() and self.cleaned_data.get("day"):
            return self.cleaned_data["day"]  # type: ignore[no-any-return]  # no-any-return: a DateField gives a date
        return timezone.localdate()


class JustificationForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[(r.value, r.label) for r in FAMILY_REASONS]
    )
    text = forms.CharField(
        label=_("Justification"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class ClassifyForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Reason.choices)
    note = forms.CharField(label=_("Note for the history"), required=False, max_length=300)


class AbsenceChangeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AbsenceKind.choices)
    starts_at = forms.DateTimeField(label=_("From"), widget=DATETIME_INPUT)
    ends_at = forms.DateTimeField(label=_("Until"), widget=DATETIME_INPUT)
    minutes_late = forms.IntegerField(
        label=_("Minutes late"), required=False, min_value=1, max_value=MAX_MINUTES_LATE
    )
    note = forms.CharField(label=_("Why this change"), required=False, max_length=300)


class ReportCommentForm(forms.Form):
    text = forms.CharField(
        label=_("Class teacher's comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )


PERIOD_SPLITS = [
    ("", _("keep the current periods")),
    ("3", _("three trimesters")),
    ("2", _("two semesters")),
]


class SettingsForm(forms.Form):
    uses_external_tool = forms.BooleanField(
        label=_("This school uses an external vie scolaire tool"), required=False
    )
    connector_code = forms.SlugField(
        label=_("Service code of the connector"),
        required=False,
        max_length=50,
        help_text=_("The code under which operators registered the connector in the SSO registry."),
    )
    periods = forms.ChoiceField(
        label=_("Periods of this school year"), choices=PERIOD_SPLITS, required=False
    )
