"""The search form: words, and the advanced criteria (SOC-POR-MDR-07, UTI-IDO-REC-05)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .queries import NEWEST, RELEVANCE, Criteria
from .text import MAX_QUERY_LENGTH


class DateInput(forms.DateInput):
    input_type = "date"


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Words to find"), max_length=1000, required=False)
    source = forms.ChoiceField(label=_("Type"), required=False)
    author = forms.CharField(label=_("Author"), max_length=100, required=False)
    since = forms.DateField(label=_("From"), required=False, widget=DateInput)
    until = forms.DateField(label=_("To"), required=False, widget=DateInput)
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[(RELEVANCE, _("Relevance")), (NEWEST, _("Newest first"))],
    )
    page = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    def __init__(
        self, data: Any = None, *, sources: Iterable[tuple[str, str | Promise]] = ()
    ) -> None:
        super().__init__(data)
        cast("forms.ChoiceField", self.fields["source"]).choices = [("", _("All types")), *sources]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end of the period comes before its start."))
        return cleaned

    def criteria(self) -> Criteria:
        """Return the criteria of a valid form."""
        data = self.cleaned_data
        return Criteria(
            text=data["q"][:MAX_QUERY_LENGTH],
            source=data["source"],
            author=data["author"],
            since=data["since"],
            until=data["until"],
            sort=data["sort"] or RELEVANCE,
        )
