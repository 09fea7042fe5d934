"""Input of the moderation pages. Forms validate; the actions save."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import NOTE_MAX, REASON_MAX


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("Why should a moderator look at this?"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("hide", _("Hide the content")), ("dismiss", _("Dismiss the report"))],
    )
    note = forms.CharField(
        label=_("Note (optional)"), max_length=NOTE_MAX, required=False, widget=forms.TextInput
    )
