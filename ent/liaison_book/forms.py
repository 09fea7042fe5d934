"""Input of the liaison book's pages. Forms validate; the actions save."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from ent.directory.models import User

from .actions import BODY_MAX, TITLE_MAX
from .models import FAMILY_KINDS, Kind


class NoteForm(forms.Form):
    """A note to one pupil's book; a family's form offers its own kinds and no signature."""

    kind = forms.ChoiceField(label=_("Kind of note"), choices=Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    body = forms.CharField(
        label=_("Text"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 8})
    )
    requires_signature = forms.BooleanField(
        label=_("Ask the family to sign (acknowledge) this note"), required=False
    )

    def __init__(self, *args: Any, family: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if family:
            kinds = cast(forms.ChoiceField, self.fields["kind"])
            kinds.choices = [(kind.value, kind.label) for kind in FAMILY_KINDS]
            del self.fields["requires_signature"]


class DivisionNoteForm(NoteForm):
    """A note to a whole class or group, or to some of its pupils."""

    pupils = forms.MultipleChoiceField(
        label=_("Only to these pupils (leave empty for the whole class or group)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, pupils: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choosable = {str(pupil.pk): pupil for pupil in pupils}
        field = cast(forms.MultipleChoiceField, self.fields["pupils"])
        field.choices = [(pk, pupil.display_name) for pk, pupil in self.choosable.items()]

    def clean_pupils(self) -> list[User]:
        """Return the chosen pupils."""
        return [self.choosable[pk] for pk in self.cleaned_data["pupils"]]


class EditNoteForm(NoteForm):
    """A correction: the kind, the title and the text; whether to sign never changes."""

    def __init__(self, *args: Any, family: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, family=family, **kwargs)
        self.fields.pop("requires_signature", None)


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your answer"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
