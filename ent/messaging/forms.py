"""The webmail's forms: input validation only; the actions decide and save."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from ent.core.html import clean_html, linkify

# Markup that can run code or load content: refused with a message, not silently dropped, so
# that the writer knows the message is not what they pasted (UTI-CCO-CEL-07, issue 6 bad input).
_ACTIVE_TAGS = frozenset(
    {"script", "style", "iframe", "frame", "object", "embed", "applet", "form", "meta", "link",
     "base", "svg", "math"}
)  # fmt: skip
_ACTIVE_SCHEMES = ("javascript:", "vbscript:", "data:")
_SEPARATORS = re.compile(r"[,;\s]+")


class _ActiveContentFinder(HTMLParser):
    """Find scripts, event handlers and script links in HTML, with the standard parser."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _ACTIVE_TAGS:
            self.found = True
        for name, value in attrs:
            link = "".join((value or "").split()).lower()
            if name.startswith("on") or link.startswith(_ACTIVE_SCHEMES):
                self.found = True

    handle_startendtag = handle_starttag


def has_active_content(html: str) -> bool:
    """Tell whether `html` holds scripts, event handlers or script links."""
    finder = _ActiveContentFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def split_recipients(value: str) -> list[str]:
    """Split a recipients field ("a@x, list:class-3-pupils") into its tokens, without repeats."""
    return list(dict.fromkeys(token for token in _SEPARATORS.split(value.strip()) if token))


def _choices(form: forms.Form, name: str, choices: Any) -> None:
    cast(forms.ChoiceField, form.fields[name]).choices = choices


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several uploaded files under one name; each no larger than ENT_UPLOAD_MAX_BYTES."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[Any]]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        limit = settings.ENT_UPLOAD_MAX_BYTES
        for upload in files:
            if upload.size is not None and upload.size > limit:
                raise ValidationError(
                    _("“%(name)s” is too large (%(size)s): a file may not exceed %(limit)s."),
                    code="too_large",
                    params={
                        "name": upload.name,
                        "size": filesizeformat(upload.size),
                        "limit": filesizeformat(limit),
                    },
                )
        return list(files)


class ComposeForm(forms.Form):
    """A message being written: recipients, subject, rich text and attachments (CEL-07)."""

    SEND, SAVE, AUTOSAVE = "send", "save", "autosave"

    draft = forms.IntegerField(widget=forms.HiddenInput, required=False)
    in_reply_to = forms.CharField(widget=forms.HiddenInput, required=False, max_length=255)
    to = forms.CharField(
        label=_("To"),
        required=False,
        help_text=_("Addresses or lists, separated by commas."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "recipients"}),
    )
    cc = forms.CharField(
        label=_("Cc"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "recipients"}),
    )
    bcc = forms.CharField(
        label=_("Bcc"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "recipients"}),
    )
    subject = forms.CharField(label=_("Subject"), required=False, max_length=998)
    # With the editor, the body is HTML; without JavaScript, plain text typed in the textarea.
    body = forms.CharField(
        label=_("Message"), required=False, widget=forms.Textarea(attrs={"rows": 14})
    )
    body_format = forms.ChoiceField(
        choices=[("text", "text"), ("html", "html")],
        required=False,
        initial="text",
        widget=forms.HiddenInput,
    )
    receipt_requested = forms.BooleanField(label=_("Ask for a delivery receipt"), required=False)
    uploads = MultipleFileField(label=_("Attach files from this computer"), required=False)
    stored_file_ids = forms.TypedMultipleChoiceField(
        label=_("Attach from my documents"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    remove_attachment_ids = forms.TypedMultipleChoiceField(
        label=_("Remove"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    action = forms.ChoiceField(
        choices=[(SEND, SEND), (SAVE, SAVE), (AUTOSAVE, AUTOSAVE)], required=False
    )

    def __init__(
        self,
        *args: Any,
        documents: list[tuple[int, str]] = (),  # type: ignore[assignment]  # assignment: an empty default, never mutated
        attachments: list[tuple[int, str]] = (),  # type: ignore[assignment]  # assignment: idem
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "stored_file_ids", list(documents))
        _choices(self, "remove_attachment_ids", list(attachments))

    def clean_body(self) -> str:
        body: str = self.cleaned_data.get("body", "")
        if self.data.get("body_format") != "html":
            return linkify(body)
        if has_active_content(body):
            # The draft keeps the harmless part; the writer is told what was refused.
            self.cleaned_html = clean_html(body)
            raise ValidationError(
                _(
                    "The message contained scripts or active content, which mail may not carry. "
                    "They were removed: check the text and send again."
                ),
                code="active_content",
            )
        return clean_html(body)

    def content(self) -> dict[str, Any]:
        """The fields the actions take, from what is valid (a refused body is kept cleaned)."""
        data = self.cleaned_data
        body = data.get("body")
        if body is None:
            body = getattr(self, "cleaned_html", "")
        return {
            "to": split_recipients(data.get("to") or ""),
            "cc": split_recipients(data.get("cc") or ""),
            "bcc": split_recipients(data.get("bcc") or ""),
            "subject": data.get("subject") or "",
            "body_html": body,
            "receipt_requested": bool(data.get("receipt_requested")),
            "in_reply_to": data.get("in_reply_to") or "",
        }


class FolderForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    parent = forms.TypedChoiceField(label=_("Inside"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, parents: list[tuple[Any, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]  # assignment: an empty default, never mutated
        super().__init__(*args, **kwargs)
        _choices(self, "parent", [("", _("(top level)")), *parents])

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if "/" in name:
            raise ValidationError(_("A folder name may not contain “/”."), code="slash")
        return name


class BatchForm(forms.Form):
    """Several messages of a folder, and what to do with them (UTI-CCO-CEL-15)."""

    ACTIONS = {
        "delete": _("Delete"),
        "move": _("Move"),
        "read": _("Mark as read"),
        "unread": _("Mark as unread"),
        "flag": _("Flag"),
        "unflag": _("Remove the flag"),
    }

    entries = forms.TypedMultipleChoiceField(coerce=int, label=_("Messages"))
    action = forms.ChoiceField(label=_("Action"), choices=list(ACTIONS.items()))
    target = forms.TypedChoiceField(label=_("Move to"), coerce=int, required=False)
    next = forms.CharField(required=False)

    def __init__(
        self,
        *args: Any,
        entry_ids: list[int] = (),  # type: ignore[assignment]  # assignment: an empty default
        folders: list[tuple[int, str]] = (),  # type: ignore[assignment]  # assignment: idem
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "entries", [(pk, pk) for pk in entry_ids])
        _choices(self, "target", [("", "—"), *folders])
        self.fields["entries"].error_messages["required"] = _("Select at least one message.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "move" and not data.get("target"):
            self.add_error("target", _("Choose the folder to move the messages to."))
        return data


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search my mail"), max_length=200, required=False)
    folder = forms.TypedChoiceField(label=_("In"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, folders: list[tuple[int, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]  # assignment: an empty default
        super().__init__(*args, **kwargs)
        _choices(self, "folder", [("", _("All folders")), *folders])


class AutoReplyForm(forms.Form):
    """The out-of-office answer (UTI-CCO-CEL-13)."""

    enabled = forms.BooleanField(label=_("Answer automatically while I am away"), required=False)
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label=_("Until (inclusive)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The end comes before the start."))
        return data


class AddressForm(forms.Form):
    address = forms.CharField(label=_("Address or @domain"), max_length=254)

    def clean_address(self) -> str:
        address: str = self.cleaned_data["address"].strip().lower()
        if "@" not in address or " " in address:
            raise ValidationError(_("Enter an address (name@domain) or a domain (@domain)."))
        return address


class ForwardingForm(forms.Form):
    address = forms.EmailField(
        label=_("Forward my mail to"),
        required=False,
        help_text=_("Leave empty to stop forwarding."),
    )


class SignatureForm(forms.Form):
    body = forms.CharField(
        label=_("Signature"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def clean_body(self) -> str:
        return linkify(self.cleaned_data.get("body", ""))


class PolicyForm(forms.Form):
    """An external mail rule of a school (UTI-CCO-CEL-05, -06)."""

    target = forms.ChoiceField(label=_("Applies to"))
    internal_only = forms.BooleanField(label=_("Internal mail only"), required=False)
    allowed = forms.CharField(
        label=_("Allowed domains and addresses"),
        required=False,
        help_text=_("Separated by commas: ac-exemple.fr, corres@partenaire.es"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, targets: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]  # assignment: an empty default
        super().__init__(*args, **kwargs)
        _choices(self, "target", list(targets))

    def clean_allowed(self) -> list[str]:
        entries = split_recipients(self.cleaned_data.get("allowed", "").lower())
        for entry in entries:
            if "." not in entry.rsplit("@", 1)[-1]:
                raise ValidationError(
                    _("“%(entry)s” is neither a domain nor an address."),
                    params={"entry": entry},
                )
        return entries
