"""HTML input of the blogs. Forms validate only; the actions decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from .models import Role, Visibility


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/*,video/*", "multiple": True})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[Any]]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class BlogForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    visibility = forms.ChoiceField(
        label=_("Who may read it"),
        choices=Visibility.choices,
        initial=Visibility.INTRANET,
        widget=forms.RadioSelect,
    )
    allows_comments = forms.BooleanField(
        label=_("Readers may comment (after validation)"), required=False, initial=True
    )


class NewBlogForm(BlogForm):
    school = forms.TypedChoiceField(label=_("School"), coerce=int)
    readers = forms.MultipleChoiceField(
        label=_("Readers of an intranet blog"),
        required=False,
        help_text=_("Hold Ctrl (or Cmd) to choose several groups."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    def __init__(
        self,
        *args: Any,
        schools: list[tuple[int, str]],
        readers: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = schools  # type: ignore[attr-defined]  # attr-defined: ChoiceField
        self.fields["readers"].choices = readers  # type: ignore[attr-defined]  # attr-defined: ChoiceField


class PostForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        help_text=_(
            "Plain text, or simple HTML: paragraphs, bold, italics, lists, links, headings. "
            "Scripts and styles are removed."
        ),
        widget=forms.Textarea(attrs={"rows": 14}),
        required=False,
    )
    uploads = MultipleFileField(
        label=_("Images and videos"),
        required=False,
        help_text=_("PNG, JPEG, GIF, WebP, MP4, WebM or Ogg; each file is checked for viruses."),
    )
    media_description = forms.CharField(
        label=_("Description of the images, for people who cannot see them"),
        required=False,
        max_length=300,
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class RejectForm(forms.Form):
    note = forms.CharField(label=_("Why (for the author)"), required=False, max_length=500)


class RightForm(forms.Form):
    grantee = forms.ChoiceField(label=_("A group"), required=False)
    login = forms.CharField(label=_("Or one person (their login)"), required=False, max_length=150)
    role = forms.TypedChoiceField(
        label=_("Role"), choices=Role.choices, coerce=int, initial=Role.READ
    )
    page = forms.TypedChoiceField(label=_("On"), required=False, coerce=int, empty_value=None)

    def __init__(
        self,
        *args: Any,
        grantees: list[tuple[str, str]],
        pages: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grantee"].choices = [("", "—"), *grantees]  # type: ignore[attr-defined]  # attr-defined: ChoiceField
        self.fields["page"].choices = [("", _("the whole blog")), *pages]  # type: ignore[attr-defined]  # attr-defined: ChoiceField

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        grantee, login = data.get("grantee"), (data.get("login") or "").strip()
        if bool(grantee) == bool(login):
            raise forms.ValidationError(_("Choose either a group or one person."))
        data["grantee"] = grantee or f"login:{login}"
        return data
