"""Input of the account lifecycle pages: activation, recovery and back-office operations."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .lifecycle import RevocationReason


class NewPasswordMixin(forms.Form):
    """Two password fields that must match; the policy is checked by the action."""

    password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("New password, again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class ActivationForm(NewPasswordMixin):
    login = forms.CharField(
        label=_("Login"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    code = forms.CharField(
        label=_("Activation code"),
        max_length=40,
        help_text=_("As printed on your letter, for example ABCD-EFGH-JKLM."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}
        ),
    )
    charter = forms.BooleanField(label=_("I have read and I accept the charter of use of the ENT."))

    field_order = ("login", "code", "password", "password_again", "charter")


class PasswordResetForm(NewPasswordMixin):
    pass


class PasswordForgottenForm(forms.Form):
    identifier = forms.CharField(
        label=_("Your login or your e-mail address"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )


class LoginForgottenForm(forms.Form):
    email = forms.EmailField(
        label=_("Your e-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class AccountFilterForm(forms.Form):
    school_class: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Class"), queryset=None, required=False, empty_label=_("All")
    )
    search = forms.CharField(label=_("Name or login"), max_length=100, required=False)

    def __init__(self, *args: Any, classes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = classes  # type: ignore[attr-defined]  # attr-defined: a ModelChoiceField


class SuspendForm(forms.Form):
    prefix = "suspend"
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class RevokeForm(forms.Form):
    prefix = "revoke"
    reason = forms.ChoiceField(label=_("Reason"), choices=RevocationReason.choices)


class DeleteForm(forms.Form):
    prefix = "delete"
    confirm = forms.BooleanField(
        label=_("I understand that this person's personal data will be erased.")
    )


class LettersForm(forms.Form):
    AUDIENCES = (("pupils", _("pupils")), ("guardians", _("their guardians")))
    audience = forms.ChoiceField(label=_("Letters for"), choices=AUDIENCES, initial="pupils")
