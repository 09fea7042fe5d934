"""Input of the white pages and the address book: validation only, forms never save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ent.directory.models import Profile
from ent.rights.models import DetailAudience, DetailField

from .actions import ABOUT_LENGTH
from .models import Contact
from .queries import Choices, Criteria

ANY = ("", _("Any"))


class SearchForm(forms.Form):
    """The white pages' criteria (UTI-IDO-PBL-06); every choice comes from the viewer's scope."""

    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    school = forms.TypedChoiceField(label=_("School"), required=False, coerce=int, empty_value=None)
    school_class = forms.TypedChoiceField(
        label=_("Class"), required=False, coerce=int, empty_value=None
    )
    teaching_group = forms.TypedChoiceField(
        label=_("Group"), required=False, coerce=int, empty_value=None
    )
    subject = forms.ChoiceField(label=_("Subject taught"), required=False)
    profile = forms.ChoiceField(label=_("Profile"), required=False, choices=[ANY, *Profile.choices])

    def __init__(self, *args: Any, choices: Choices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["school"].choices = [ANY, *choices.schools]  # type: ignore[attr-defined]  # attr-defined: ChoiceField
        fields["school_class"].choices = [ANY, *choices.classes]  # type: ignore[attr-defined]  # attr-defined: ChoiceField
        fields["teaching_group"].choices = [ANY, *choices.groups]  # type: ignore[attr-defined]  # attr-defined: ChoiceField
        fields["subject"].choices = [ANY, *choices.subjects]  # type: ignore[attr-defined]  # attr-defined: ChoiceField

    def criteria(self) -> Criteria:
        """Return the validated criteria."""
        data = self.cleaned_data
        return Criteria(
            name=data["name"].strip(),
            school=data["school"],
            school_class=data["school_class"],
            teaching_group=data["teaching_group"],
            subject=data["subject"],
            profile=data["profile"],
        )


class DetailsForm(forms.Form):
    """Who sees each of one's details (UTI-IDO-PBL-04), and one's presentation (PBL-02)."""

    about = forms.CharField(
        label=_("About me"),
        required=False,
        max_length=ABOUT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on your card to everyone who may see you in the directory."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in DetailField.choices:
            self.fields[f"audience_{name}"] = forms.ChoiceField(
                label=label, choices=DetailAudience.choices
            )

    def audiences(self) -> dict[str, str]:
        """Return the chosen audience of each detail."""
        return {name: self.cleaned_data[f"audience_{name}"] for name in DetailField.values}

    def rows(self, values: dict[str, Any]) -> list[tuple[forms.BoundField, Any]]:
        """Return each audience field with the detail's current value, in order."""
        return [(self[f"audience_{name}"], values.get(name)) for name in DetailField.values]


class ContactForm(forms.Form):
    """A free entry of one's address book."""

    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    function = forms.CharField(label=_("Function"), max_length=200, required=False)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    email_other = forms.EmailField(label=_("Other e-mail"), required=False)
    phone_work = forms.CharField(label=_("Work phone"), max_length=40, required=False)
    phone_mobile = forms.CharField(label=_("Mobile phone"), max_length=40, required=False)
    phone_home = forms.CharField(label=_("Home phone"), max_length=40, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self) -> dict[str, Any]:
        """Require a name or an organisation."""
        data = super().clean() or {}
        if not any(data.get(name) for name in ("first_name", "last_name", "organisation")):
            raise forms.ValidationError(_("Give a name or an organisation."))
        return data


class NoteForm(forms.Form):
    """The owner's note on an entry taken from the directory."""

    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


def contact_form(contact: Contact | None, data: Any = None) -> ContactForm | NoteForm:
    """Return the form that edits `contact`: the note alone for a directory person."""
    if contact is None:
        return ContactForm(data)
    initial = {name: getattr(contact, name) for name in ContactForm.base_fields}
    if contact.person_id:
        return NoteForm(data, initial={"note": contact.note})
    return ContactForm(data, initial=initial)


class ImportForm(forms.Form):
    """A vCard file to import into one's address book."""

    file = forms.FileField(
        label=_("vCard file (.vcf)"),
        help_text=_("vCard 3.0 or 4.0, at most 1 MB and 2,000 cards."),
    )
