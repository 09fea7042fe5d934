"""Input validation of the notification pages; forms never save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ent.directory.models import School, SchoolClass

from .events import CHANNEL_LABELS
from .queries import AUDIENCES, PreferenceGrid


class PreferencesForm(forms.Form):
    """One checkbox per kind and channel the person may choose."""

    def __init__(self, grid: PreferenceGrid, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grid = grid
        labels = {row.kind: row.label for row in grid.rows}
        for cell in grid.cells():
            if cell.is_allowed and not cell.missing:
                self.fields[cell.field_name] = forms.BooleanField(
                    required=False,
                    initial=cell.is_enabled,
                    label=f"{labels[cell.kind]}: {CHANNEL_LABELS[cell.channel]}",
                )

    def table(self) -> list[tuple[Any, list[tuple[Any, forms.BoundField | None]]]]:
        """Return each row of the grid with its cells and their checkboxes (None: no choice)."""
        return [
            (
                row,
                [
                    (cell, self[cell.field_name] if cell.field_name in self.fields else None)
                    for cell in row.cells
                ],
            )
            for row in self.grid.rows
        ]

    def changed_choices(self) -> dict[tuple[str, str], bool]:
        """Return the choices that differ from what the page showed."""
        return {
            tuple(name.split("__", 1)): bool(self.cleaned_data[name])  # type: ignore[misc]  # misc: split in two by construction
            for name in self.changed_data
        }


class AlertForm(forms.Form):
    audiences = forms.MultipleChoiceField(
        label=_("Recipients"),
        choices=list(AUDIENCES.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    school_class = forms.ModelChoiceField(
        label=_("Only one class"),
        queryset=SchoolClass.objects.none(),
        required=False,
        empty_label=_("The whole school"),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, school: School, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        classes = SchoolClass.objects.filter(school=school).order_by("code")
        self.fields["school_class"].queryset = classes  # type: ignore[attr-defined]  # attr-defined: a ModelChoiceField
