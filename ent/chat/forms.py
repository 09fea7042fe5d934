"""Input of the chat's pages. Forms validate; the actions save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ent.directory.models import Profile, User

from .models import BODY_MAX, NAME_MAX, Mode, Status


class PersonChoice(forms.ModelChoiceField):  # type: ignore[type-arg]  # type-arg: stubs generic
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class PeopleChoice(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]  # type-arg: stubs
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": _("The message is too long (%(limit_value)d characters at most).")
        },
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("My status"), choices=Status.choices)


class PersonForm(forms.Form):
    """Pick one person among those the communication rules allow."""

    person = PersonChoice(label=_("Person"), queryset=User.objects.none())

    def __init__(self, *args: Any, people: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people  # type: ignore[attr-defined]  # attr-defined: ModelChoiceField


class ChannelForm(forms.Form):
    """A new channel: a class or group of the school, or a topic with chosen members."""

    division = forms.ChoiceField(label=_("Channel of"), required=False)
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX, required=False)
    members = PeopleChoice(
        label=_("Members (topic channel)"), queryset=User.objects.none(), required=False
    )

    def __init__(
        self,
        *args: Any,
        divisions: list[tuple[str, str]],
        people: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["division"].choices = [("", _("A topic (chosen members)")), *divisions]  # type: ignore[attr-defined]  # attr-defined: ChoiceField
        self.fields["members"].queryset = people  # type: ignore[attr-defined]  # attr-defined: ModelChoiceField


class RenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)


class MembersForm(forms.Form):
    members = PeopleChoice(label=_("Add members"), queryset=User.objects.none())

    def __init__(self, *args: Any, people: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = people  # type: ignore[attr-defined]  # attr-defined: ModelChoiceField


class ApprovedOnlyForm(forms.Form):
    approved_only = forms.BooleanField(
        label=_("Only my approved contacts may start a chat with me"), required=False
    )


class PolicyForm(forms.Form):
    """When one profile of a school may chat (MIN-06)."""

    profile = forms.ChoiceField(label=_("Profile"), choices=Profile.choices)
    mode = forms.ChoiceField(label=_("Access"), choices=Mode.choices)
    opens_at = forms.TimeField(
        label=_("Opens at"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    closes_at = forms.TimeField(
        label=_("Closes at"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
