"""Input of the back-office pages: validation only; the actions do the rest."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ent.directory.models import Profile, School, SchoolClass, TeachingGroup, User
from ent.rights.registry import Level

from .actions import MAX_VALIDITY, check_validity_date, end_of_day
from .queries import NO_RULE, SEES, WRITES, RuleRow

# The statistics page shows the last 30 days unless asked otherwise.
DEFAULT_PERIOD = timedelta(days=29)
MAX_PERIOD = timedelta(days=366)
RULE_CHOICES = (
    (NO_RULE, _("hidden")),
    (SEES, _("sees")),
    (WRITES, _("sees and writes")),
)
GRANTEE_KINDS = (
    ("profile", _("a profile")),
    ("function", _("a function")),
    ("school_class", _("a class")),
    ("teaching_group", _("a teaching group")),
    ("person", _("a person")),
)


# Days far enough from the limits of `datetime` that a start or end of day, or a default period
# counted back from them, never overflows (a typed year 1 or 9999 would answer a 500).
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(9000, 12, 31)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DayField(forms.DateField):
    """A date between EARLIEST_DAY and LATEST_DAY, typed with the browser's date picker."""

    default_validators = [MinValueValidator(EARLIEST_DAY), MaxValueValidator(LATEST_DAY)]


def start_of_day(day: date) -> datetime:
    """Return the first instant of `day` in the project's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def _person_field(queryset: QuerySet[User], label: Any, *, required: bool = True) -> Any:
    return forms.ModelChoiceField(
        queryset=queryset,
        to_field_name="login",
        label=label,
        required=required,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"invalid_choice": _("Nobody of this school has this login.")},
    )


class ExternalAccountForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False)
    note = forms.CharField(
        label=_("Function or role"),
        max_length=200,
        required=False,
        help_text=_("For instance: internship tutor, partner of the school."),
    )
    valid_until = DayField(
        label=_("Last day of validity"),
        widget=DateInput(),
        help_text=_("One year ahead at most. Sign-in is refused from the next day."),
    )

    def clean_valid_until(self) -> date:
        return check_validity_date(self.cleaned_data.get("valid_until"))


class ValidityForm(forms.Form):
    valid_until = DayField(label=_("New last day of validity"), widget=DateInput())

    def clean_valid_until(self) -> date:
        return check_validity_date(self.cleaned_data.get("valid_until"))


class GrantForm(forms.Form):
    service = forms.ChoiceField(label=_("Service"))
    level = forms.TypedChoiceField(
        label=_("Level"), choices=Level.choices, coerce=int, initial=Level.USE
    )
    grantee_kind = forms.ChoiceField(
        label=_("Granted to"), choices=GRANTEE_KINDS, widget=forms.RadioSelect, initial="profile"
    )
    profile = forms.ChoiceField(
        label=_("Profile"), choices=[("", "—"), *Profile.choices], required=False
    )
    function = forms.CharField(label=_("Function code"), max_length=50, required=False)
    school_class: forms.ModelChoiceField[SchoolClass] = forms.ModelChoiceField(
        queryset=SchoolClass.objects.none(), label=_("Class"), required=False, empty_label="—"
    )
    teaching_group: forms.ModelChoiceField[TeachingGroup] = forms.ModelChoiceField(
        queryset=TeachingGroup.objects.none(),
        label=_("Teaching group"),
        required=False,
        empty_label="—",
    )
    starts_on = DayField(label=_("First day"), required=False, widget=DateInput())
    ends_on = DayField(label=_("Last day"), required=False, widget=DateInput())

    def __init__(
        self,
        data: Any = None,
        *,
        school: School,
        services: list[tuple[str, str]],
        members: QuerySet[User],
    ) -> None:
        super().__init__(data)
        self.fields["service"].choices = services  # type: ignore[attr-defined]  # attr-defined: a ChoiceField
        self.fields["school_class"].queryset = school.classes.order_by("code")  # type: ignore[attr-defined]  # attr-defined: a ModelChoiceField
        self.fields["teaching_group"].queryset = school.groups.order_by("code")  # type: ignore[attr-defined]  # attr-defined: a ModelChoiceField
        self.fields["person"] = _person_field(members, _("Login of the person"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("grantee_kind")
        if kind and not data.get(kind):
            self.add_error(kind, _("Name the grantee."))
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The last day comes before the first."))
        return data

    def grant(self) -> dict[str, Any]:
        """Return the keyword arguments of `grant_service` this form describes."""
        data = self.cleaned_data
        kind = data["grantee_kind"]
        return {
            "service": data["service"],
            "level": data["level"],
            kind: data[kind],
            "starts_at": start_of_day(data["starts_on"]) if data.get("starts_on") else None,
            "ends_at": end_of_day(data["ends_on"]) if data.get("ends_on") else None,
        }


class DelegationForm(forms.Form):
    service = forms.ChoiceField(label=_("Right lent"))
    level = forms.TypedChoiceField(
        label=_("Level"), choices=Level.choices, coerce=int, initial=Level.MANAGE
    )
    starts_on = DayField(label=_("First day"), widget=DateInput())
    ends_on = DayField(
        label=_("Last day"), widget=DateInput(), help_text=_("One year ahead at most.")
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(
        self, data: Any = None, *, services: list[tuple[str, str]], members: QuerySet[User]
    ) -> None:
        super().__init__(data, initial={"starts_on": timezone.localdate()})
        self.fields["delegate"] = _person_field(members, _("Login of the delegate"))
        self.fields["service"].choices = services  # type: ignore[attr-defined]  # attr-defined: a ChoiceField
        self.order_fields(["delegate", "service", "level", "starts_on", "ends_on", "reason"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and starts_on < today:
            self.add_error("starts_on", _("The first day is already past."))
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The last day comes before the first."))
        elif ends_on and ends_on > today + MAX_VALIDITY:
            self.add_error("ends_on", _("A delegation lasts one year at most."))
        return data

    def delegation(self) -> dict[str, Any]:
        """Return the keyword arguments of `delegate_rights` this form describes."""
        data = self.cleaned_data
        starts_on: date = data["starts_on"]
        return {
            "delegate": data["delegate"],
            "service": data["service"],
            "level": data["level"],
            "starts_at": max(start_of_day(starts_on), timezone.now()),
            "ends_at": end_of_day(data["ends_on"]),
            "reason": data["reason"],
        }


class CommunicationForm(forms.Form):
    """One choice per (profile, audience) cell of the matrix."""

    def __init__(self, data: Any = None, *, matrix: list[RuleRow]) -> None:
        super().__init__(data)
        for row in matrix:
            for cell in row.cells:
                self.fields[f"{row.profile}__{cell.audience}"] = forms.ChoiceField(
                    label=f"{row.label} → {cell.label}", choices=RULE_CHOICES, initial=cell.value
                )

    def values(self) -> dict[tuple[str, str], str]:
        """Return the chosen value of each cell, by (profile, audience)."""
        return {
            (name.split("__")[0], name.split("__")[1]): value
            for name, value in self.cleaned_data.items()
        }


class ApproveConnectorForm(forms.Form):
    profiles = forms.MultipleChoiceField(
        label=_("Profiles who get it"),
        choices=Profile.choices,
        widget=forms.CheckboxSelectMultiple,
    )


class PeriodForm(forms.Form):
    start = DayField(label=_("From"), required=False, widget=DateInput())
    end = DayField(label=_("To"), required=False, widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        end = data.get("end") or timezone.localdate()
        start = data.get("start") or end - DEFAULT_PERIOD
        if start > end:
            raise ValidationError(_("The period ends before it starts."))
        if end - start > MAX_PERIOD:
            raise ValidationError(_("Choose a period of one year at most."))
        data.update(start=start, end=end)
        return data

    def period(self) -> tuple[date, date]:
        """Return the period chosen, or the last 30 days when the form is not valid."""
        if self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        end = timezone.localdate()
        return end - DEFAULT_PERIOD, end
