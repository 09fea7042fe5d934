"""Input of the personalisation pages: forms validate, the actions decide and save."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ent.directory.models import School, SchoolClass, TeachingGroup
from ent.rights.registry import PROFILES, ServiceDeclaration

from .models import TextSize, Theme
from .personalisation import PreferencePage

MOVE = re.compile(r"^(up|down):([a-z][a-z0-9_]{1,49})$")
SEPARATORS = re.compile(r"[\s,]+")


def _split(value: str) -> list[str]:
    return [code for code in SEPARATORS.split(value or "") if code]


class PreferencesForm(forms.Form):
    """A person's services, theme and presentation aids (PPO-04, -07; UTI-UTL-PER-02)."""

    shown = forms.MultipleChoiceField(
        label=_("Services shown on my home page"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    order = forms.CharField(required=False, widget=forms.HiddenInput)
    move = forms.CharField(required=False, widget=forms.HiddenInput)
    theme = forms.ChoiceField(
        label=_("Theme"),
        required=False,
        choices=[("", _("My school's theme")), *Theme.choices],
        widget=forms.RadioSelect,
    )
    text_size = forms.TypedChoiceField(
        label=_("Text size"), choices=TextSize.choices, coerce=int, widget=forms.RadioSelect
    )
    high_contrast = forms.BooleanField(label=_("High contrast"), required=False)
    dyslexia_font = forms.BooleanField(
        label=_("Dyslexia-friendly font and spacing"), required=False
    )
    reduce_motion = forms.BooleanField(label=_("Reduce animations"), required=False)
    prefers_classic_site = forms.BooleanField(
        label=_("Use the classic site on my phone"), required=False
    )

    def __init__(self, *args: Any, page: PreferencePage, **kwargs: Any) -> None:
        preference = page.preference
        initial = {
            "shown": [choice.code for choice in page.choices if choice.shown],
            "order": " ".join(choice.code for choice in page.choices),
            "theme": preference.theme,
            "text_size": preference.text_size,
            "high_contrast": preference.high_contrast,
            "dyslexia_font": preference.dyslexia_font,
            "reduce_motion": preference.reduce_motion,
            "prefers_classic_site": preference.prefers_classic_site,
        }
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.page = page
        self.choosable = [choice.code for choice in page.choices if not choice.locked]
        labels = {choice.code: str(choice.access.declaration.label) for choice in page.choices}
        self.labels = labels
        self.fields["shown"].choices = [(code, labels[code]) for code in self.choosable]  # type: ignore[attr-defined]  # attr-defined: MultipleChoiceField has choices
        # Fields the school forbids keep the saved value, whatever a forged POST says.
        self.fields["shown"].disabled = not page.layout.allow_personal_hiding
        self.fields["theme"].disabled = not page.layout.allow_personal_theme

    def aid_fields(self) -> list[forms.BoundField]:
        """Return the on/off presentation aids, in the page's order."""
        names = ("high_contrast", "dyslexia_font", "reduce_motion", "prefers_classic_site")
        return [self[name] for name in names]

    def shown_codes(self) -> set[str]:
        """Return the codes ticked on the page (the submitted ones after a refused POST)."""
        return {str(code) for code in self["shown"].value() or []}

    def clean_move(self) -> tuple[str, str] | None:
        value: str = self.cleaned_data.get("move", "")
        if not value:
            return None
        match = MOVE.match(value)
        if match is None:
            raise forms.ValidationError(_("Unknown move."), code="move")
        return match.group(1), match.group(2)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        order = _split(data.get("order", ""))
        move = data.get("move")
        if move is not None:
            direction, code = move
            if code not in order:
                raise forms.ValidationError(_("Unknown move."), code="move")
            index = order.index(code)
            other = index - 1 if direction == "up" else index + 1
            if 0 <= other < len(order):
                order[index], order[other] = order[other], order[index]
        shown = set(data.get("shown") or [])
        data["hidden"] = [code for code in self.choosable if code not in shown]
        data["order_codes"] = order
        return data

    def preference_data(self) -> dict[str, Any]:
        """Return the arguments of `save_preferences`."""
        data = self.cleaned_data
        return {
            "hidden": data["hidden"],
            "order": data["order_codes"],
            "theme": data.get("theme") or "",
            "text_size": data["text_size"],
            "high_contrast": data["high_contrast"],
            "dyslexia_font": data["dyslexia_font"],
            "reduce_motion": data["reduce_motion"],
            "prefers_classic_site": data["prefers_classic_site"],
        }

    def moved(self) -> str:
        """Return "up:code" or "down:code" when a move button was pressed, else ""."""
        move = self.cleaned_data.get("move")
        return f"{move[0]}:{move[1]}" if move else ""


class LayoutForm(forms.Form):
    """The defaults and limits of one level (PPO-02, -03, -05, -06)."""

    hidden = forms.MultipleChoiceField(
        label=_("Hidden services"), required=False, widget=forms.CheckboxSelectMultiple
    )
    locked = forms.MultipleChoiceField(
        label=_("Services that always stay shown"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    theme = forms.ChoiceField(
        label=_("Theme"),
        required=False,
        choices=[("", _("Theme of the level above")), *Theme.choices],
        widget=forms.RadioSelect,
    )
    allow_personal_theme = forms.BooleanField(
        label=_("People may choose their own theme"), required=False
    )
    allow_personal_hiding = forms.BooleanField(label=_("People may hide services"), required=False)
    message = forms.CharField(
        label=_("Message on the home page"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown on the home page of everyone this level applies to."),
    )

    def __init__(
        self, *args: Any, services: list[ServiceDeclaration], initial: dict[str, Any], **kwargs: Any
    ) -> None:
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.services = services
        choices = [(service.code, str(service.label)) for service in services]
        self.fields["hidden"].choices = choices  # type: ignore[attr-defined]  # attr-defined: MultipleChoiceField has choices
        self.fields["locked"].choices = choices  # type: ignore[attr-defined]  # attr-defined: same
        for service in services:
            self.fields[f"position_{service.code}"] = forms.IntegerField(
                label=_("Position of %(service)s") % {"service": service.label},
                required=False,
                min_value=1,
                max_value=99,
            )

    def rows(self) -> list[tuple[ServiceDeclaration, Any, Any, forms.BoundField]]:
        """Return, for each service, its hidden and locked checkboxes and its position field."""
        return list(
            zip(
                self.services,
                self["hidden"].subwidgets,
                self["locked"].subwidgets,
                [self[f"position_{service.code}"] for service in self.services],
                strict=True,
            )
        )

    def layout_data(self) -> dict[str, Any]:
        """Return the arguments of `save_layout` that come from the form."""
        data = self.cleaned_data
        positions = {
            service.code: data[f"position_{service.code}"]
            for service in self.services
            if data.get(f"position_{service.code}") is not None
        }
        return {
            "hidden": data["hidden"],
            "locked": data["locked"],
            "order": sorted(positions, key=lambda code: (positions[code], code)),
            "theme": data.get("theme") or "",
            "allow_personal_theme": data["allow_personal_theme"],
            "allow_personal_hiding": data["allow_personal_hiding"],
            "message": data["message"],
        }


class LevelForm(forms.Form):
    """Which level of a school the layout page shows: the school, a profile, a class or a group.

    The query string names it: ?profile=TUT, ?class=<id> or ?group=<id>.
    """

    profile = forms.ChoiceField(
        required=False, choices=[("", "-"), *[(code, code) for code in sorted(PROFILES)]]
    )

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["class"] = forms.ModelChoiceField(
            queryset=SchoolClass.objects.filter(school=school), required=False
        )
        self.fields["group"] = forms.ModelChoiceField(
            queryset=TeachingGroup.objects.filter(school=school), required=False
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if len([name for name in ("profile", "class", "group") if data.get(name)]) > 1:
            raise forms.ValidationError(_("Choose one level."), code="level")
        return data

    def level(self) -> dict[str, Any]:
        """Return the level as keyword arguments of `save_layout`."""
        data = self.cleaned_data
        return {
            "profile": data.get("profile") or "",
            "school_class": data.get("class"),
            "teaching_group": data.get("group"),
        }


class SchoolPageForm(forms.Form):
    """A school's public page (SDET §10.2.2.2)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 12})
    )
    is_published = forms.BooleanField(label=_("Published"), required=False)
