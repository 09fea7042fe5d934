"""Input of the discussion spaces' pages. Forms validate; the actions save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ent.directory.models import School, SchoolClass, TeachingGroup

from .models import BODY_MAX, DESCRIPTION_MAX, SUBJECT_MAX, TITLE_MAX, AccessRule, Role

Structure = SchoolClass | TeachingGroup


def structure_value(structure: Structure) -> str:
    return f"{'class' if isinstance(structure, SchoolClass) else 'group'}-{structure.pk}"


class SpaceSettingsForm(forms.Form):
    """What a manager changes on a space."""

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("Description"),
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    access_rule = forms.ChoiceField(
        label=_("Subscription rule"), choices=AccessRule.choices, initial=AccessRule.APPROVAL
    )


class SpaceForm(SpaceSettingsForm):
    """A new space: its school, and the class or group whose lists become members."""

    school = forms.TypedChoiceField(label=_("School"), coerce=int)
    structure = forms.ChoiceField(
        label=_("Class or group (its lists become members, kept up to date)"), required=False
    )
    with_pupils = forms.BooleanField(label=_("Its pupils"), required=False, initial=True)
    with_teachers = forms.BooleanField(label=_("Its teachers"), required=False, initial=True)
    with_guardians = forms.BooleanField(label=_("Its pupils' parents"), required=False)

    def __init__(
        self, *args: Any, schools: list[School], structures: list[Structure], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.schools = {school.pk: school for school in schools}
        self.structures = {structure_value(s): s for s in structures}
        self.fields["school"].choices = [(s.pk, s.name) for s in schools]  # type: ignore[attr-defined]  # attr-defined: ChoiceField
        self.fields["structure"].choices = [  # type: ignore[attr-defined]  # attr-defined: ChoiceField
            ("", _("None: a free space, members invited or joining")),
            *((value, str(s)) for value, s in self.structures.items()),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        school = self.schools.get(data.get("school") or 0)
        if school is None:
            raise ValidationError(_("Choose a school from the list."))
        data["school"] = school
        data["structure"] = self.structures.get(data.get("structure") or "")
        return data


class PostForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Plain text; web addresses (https://…) become links."),
    )


class ThreadForm(PostForm):
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    field_order = ("subject", "body")


class MemberForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    valid_until = forms.DateField(
        label=_("Last day of the subscription"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class DeliveryForm(forms.Form):
    notify_posts = forms.BooleanField(label=_("Tell me of every new message"), required=False)
    notify_replies = forms.BooleanField(
        label=_("Tell me of replies to my messages"), required=False
    )
    pause_starts_on = forms.DateField(
        label=_("Suspend delivery from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    pause_ends_on = forms.DateField(
        label=_("until (included)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class InviteForm(forms.Form):
    person = forms.IntegerField(min_value=1)


class ListForm(forms.Form):
    list_key = forms.CharField(label=_("List"), max_length=60)
