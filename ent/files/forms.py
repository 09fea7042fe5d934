"""Input of the file storage pages; the actions check rights and names."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ent.directory.models import SchoolClass, TeachingGroup
from ent.rights.models import ShareRole

from .models import NAME_MAX, Folder

ROLE_CHOICES = (
    (ShareRole.READ, _("Read")),
    (ShareRole.CONTRIBUTE, _("Read and modify")),
    (ShareRole.MANAGE, _("Read, modify and delete")),
)


class NameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))


class MoveForm(forms.Form):
    target = forms.ChoiceField(label=_("Move to"))

    def __init__(self, *args: Any, targets: list[tuple[Folder, str]], root: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [("", _("My documents (top)"))] if root else []
        field = cast(forms.ChoiceField, self.fields["target"])
        field.choices = choices + [(str(folder.pk), label) for folder, label in targets]


class ShareForm(forms.Form):
    login = forms.CharField(
        label=_("A person (login)"),
        max_length=150,
        required=False,
        help_text=_("The login shown on the person's directory page."),
    )
    school_class = forms.ModelChoiceField(
        label=_("Or a class"), queryset=SchoolClass.objects.none(), required=False
    )
    teaching_group = forms.ModelChoiceField(
        label=_("Or a teaching group"), queryset=TeachingGroup.objects.none(), required=False
    )
    role = forms.TypedChoiceField(
        label=_("Rights"), choices=ROLE_CHOICES, coerce=int, initial=ShareRole.READ
    )

    def __init__(
        self,
        *args: Any,
        classes: QuerySet[SchoolClass],
        groups: QuerySet[TeachingGroup],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = classes  # type: ignore[attr-defined]  # attr-defined: ModelChoiceField
        self.fields["teaching_group"].queryset = groups  # type: ignore[attr-defined]  # attr-defined: ModelChoiceField

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [k for k in ("login", "school_class", "teaching_group") if data.get(k)]
        if len(chosen) != 1:
            raise forms.ValidationError(_("Choose one person, one class or one teaching group."))
        return data
