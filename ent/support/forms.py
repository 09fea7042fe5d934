"""Input validation of the support pages; forms never save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ent.directory.models import School

from .models import Category, Status, Urgency
from .queries import ALL, OPEN


class TicketForm(forms.Form):
    school = forms.ModelChoiceField(
        label=_("School"), queryset=School.objects.none(), empty_label=None
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 8, "aria-describedby": "id_description-help"}),
        help_text=_(
            "Say what you were doing, on which page, and what happened. Never write a password."
        ),
    )

    def __init__(self, *args: Any, schools: QuerySet[School], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["school"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101  # S101: narrows the type for mypy
        field.queryset = schools
        if len(schools) == 1:
            field.initial = schools[0].pk
            field.widget = forms.HiddenInput()


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Your comment"), widget=forms.Textarea(attrs={"rows": 4}))


class TransitionForm(forms.Form):
    text = forms.CharField(
        label=_("Message (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[(OPEN, _("open requests")), (ALL, _("all requests")), *Status.choices],
    )

    def status_value(self) -> str:
        """Return the chosen filter; open requests when the input is not valid."""
        return str(self.cleaned_data.get("status") or OPEN) if self.is_valid() else OPEN
