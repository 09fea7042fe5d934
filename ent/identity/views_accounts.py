"""Pages of account lifecycle: first connection, QR-code cards, recovery, and the back-office
where heads of school and administrative staff manage their school's accounts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ent.directory.models import SchoolClass, User

from .forms_accounts import (
    AccountFilterForm,
    ActivationForm,
    DeleteForm,
    LettersForm,
    LoginForgottenForm,
    PasswordForgottenForm,
    PasswordResetForm,
    RevokeForm,
    SuspendForm,
)
from .letters import Card, Letter, access_cards, activation_letters
from .lifecycle import (
    AccountStateError,
    ActivationRefusedError,
    CardRefusedError,
    ResetLinkError,
    activate_account,
    activate_with_code,
    deactivate_account,
    delete_account,
    issue_access_cards,
    issue_activation_codes,
    reactivate_account,
    request_login_reminder,
    request_password_reset,
    reset_password_by_letter,
    reset_password_with_token,
    revoke_access_cards,
    revoke_credentials,
    suspend_account,
    use_access_card,
)
from .models import Method
from .permissions import (
    can_manage_account,
    can_manage_some_accounts,
    can_print_access_cards,
    can_print_activation_letters,
)
from .queries import (
    account_list,
    account_state,
    card_recipients,
    letter_classes,
    letter_recipients,
    person_for_reset_link,
    person_placement,
    printable_classes,
    visible_classes,
    visible_people,
)
from .session import LEVEL_PASSWORD, client_address, end_session, start_session
from .throttle import LOCKED

PAGE_SIZE = 50

# ---------------------------------------------------------------------------------------------
# Helpers shared by the views


def _sign_in(request: HttpRequest, person: User, *, method: str) -> None:
    """Start `person`'s session, ending first the session of anyone else signed in here."""
    if request.user.is_authenticated and request.user.pk != person.pk:
        end_session(request, reason="another person signed in")
    start_session(request, person, method=method, level=LEVEL_PASSWORD)


def _actor(request: HttpRequest) -> User:
    # Back-office views run behind LoginRequiredMiddleware: the user is signed in.
    return cast(User, request.user)


def _site_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


def _letters(
    request: HttpRequest,
    issued: list[tuple[User, str]],
    name: str,
    place: tuple[str, str] | None = None,
) -> HttpResponse:
    expires_on = timezone.localdate() + timedelta(days=settings.ENT_ACTIVATION_DAYS)
    letters = []
    for person, code in issued:
        class_label, school = place or person_placement(person)
        letters.append(
            Letter(person.display_name, person.login, code, class_label, school, expires_on)
        )
    url = request.build_absolute_uri(reverse("identity:activate"))
    return _pdf(activation_letters(letters, activation_url=url), name)


def _cards(request: HttpRequest, issued: list[tuple[User, str]], name: str) -> HttpResponse:
    cards = []
    for person, token in issued:
        class_label, school = person_placement(person)
        url = request.build_absolute_uri(reverse("identity:card", kwargs={"token": token}))
        cards.append(Card(person.display_name, class_label, school, url))
    return _pdf(access_cards(cards), name)


def _refusal_message(reason: str) -> str:
    if reason == LOCKED:
        return _("Too many failed attempts: try again later.")
    return _(
        "This activation code is not valid for this login: it may be mistyped, expired or "
        "already used. Ask your school for a new letter if needed."
    )


def _managed_person(request: HttpRequest, uuid: UUID) -> User:
    """Return the person `uuid` names: 404 for whom the actor may not see, 403 for whom they
    see but may not manage."""
    person = get_object_or_404(visible_people(request.user), uuid=uuid)
    if not can_manage_account(request.user, person):
        raise PermissionDenied
    return person


def _operate(
    request: HttpRequest, uuid: UUID, operation: Callable[..., Any], done: str, **options: Any
) -> HttpResponse:
    person = _managed_person(request, uuid)
    try:
        operation(actor=request.user, person=person, **options)
    except AccountStateError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("identity:account", uuid=uuid)


def _printable_class(request: HttpRequest, class_id: int, may: Callable[..., bool]) -> SchoolClass:
    school_class = get_object_or_404(
        visible_classes(request.user).select_related("school"), pk=class_id
    )
    if not may(request.user, school_class):
        raise PermissionDenied
    return school_class


# ---------------------------------------------------------------------------------------------
# First connection and QR-code cards (public)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest) -> HttpResponse:
    """Activate an account with the code of its letter: choose a password, accept the charter."""
    form = ActivationForm(request.POST or None, initial={"login": request.GET.get("login", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = activate_with_code(
                actor=None,
                login=data["login"],
                code=data["code"],
                password=data["password"],
                charter_accepted=data["charter"],
                address=client_address(request),
            )
        except ActivationRefusedError as refusal:
            form.add_error("code", _refusal_message(str(refusal)))
        except ValidationError as error:
            form.add_error("password", error)
        else:
            _sign_in(request, person, method=Method.PASSWORD)
            return redirect(settings.LOGIN_REDIRECT_URL)
    status = 422 if form.errors else 200
    return render(request, "identity/accounts/activate.html", {"form": form}, status=status)


@login_not_required
@never_cache
@require_GET
def card_sign_in(request: HttpRequest, token: str) -> HttpResponse:
    """Sign a pupil in with the QR code of their card."""
    try:
        person = use_access_card(actor=None, token=token, address=client_address(request))
    except CardRefusedError:
        return render(request, "identity/accounts/card_refused.html", status=403)
    _sign_in(request, person, method=Method.CARD)
    return redirect(settings.LOGIN_REDIRECT_URL)


# ---------------------------------------------------------------------------------------------
# Recovery (public): forgotten password, forgotten login


@login_not_required
@require_http_methods(["GET", "POST"])
def password_forgotten(request: HttpRequest) -> HttpResponse:
    """Ask for a password-reset link; the answer is the same whether the account exists or not."""
    form = PasswordForgottenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        request_password_reset(
            actor=None,
            identifier=form.cleaned_data["identifier"],
            site_url=_site_url(request),
            address=client_address(request),
        )
        return render(request, "identity/accounts/sent.html", {"kind": "password"})
    return render(request, "identity/accounts/password_forgotten.html", {"form": form})


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest, uuid: UUID, token: str) -> HttpResponse:
    """Choose a new password through the link of a reset e-mail."""
    valid_link = person_for_reset_link(uuid, token) is not None
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            reset_password_with_token(
                actor=None,
                uuid=uuid,
                token=token,
                password=form.cleaned_data["password"],
                address=client_address(request),
            )
        except ValidationError as error:
            form.add_error("password", error)
        except ResetLinkError:
            valid_link = False
        else:
            messages.success(request, _("Your password is changed. You may sign in with it."))
            return redirect(settings.LOGIN_URL)
    status = 422 if valid_link and form.errors else 200 if valid_link else 400
    context = {"form": form, "valid_link": valid_link}
    return render(request, "identity/accounts/password_reset.html", context, status=status)


@login_not_required
@require_http_methods(["GET", "POST"])
def login_forgotten(request: HttpRequest) -> HttpResponse:
    """Ask for the logins attached to an e-mail address; the answer is always the same."""
    form = LoginForgottenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        request_login_reminder(
            actor=None,
            email=form.cleaned_data["email"],
            site_url=_site_url(request),
            address=client_address(request),
        )
        return render(request, "identity/accounts/sent.html", {"kind": "login"})
    return render(request, "identity/accounts/login_forgotten.html", {"form": form})


# ---------------------------------------------------------------------------------------------
# Back-office: the accounts a head of school or school staff manages


@require_GET
def accounts(request: HttpRequest) -> HttpResponse:
    """List the accounts the signed-in person manages, by class or by name."""
    if not can_manage_some_accounts(request.user):
        raise PermissionDenied
    classes = letter_classes(request.user).select_related("school").order_by("school__name", "code")
    form = AccountFilterForm(request.GET or None, classes=classes)
    data = form.cleaned_data if form.is_valid() else {}
    people = account_list(
        request.user, school_class=data.get("school_class"), search=data.get("search", "")
    )
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "school_class": data.get("school_class")}
    return render(request, "identity/accounts/list.html", context)


@require_GET
def account(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Show an account's state and the operations that apply to it."""
    person = _managed_person(request, uuid)
    context = {
        "state": account_state(person),
        "suspend_form": SuspendForm(),
        "revoke_form": RevokeForm(),
        "delete_form": DeleteForm(),
    }
    return render(request, "identity/accounts/detail.html", context)


@require_POST
def account_activate(request: HttpRequest, uuid: UUID) -> HttpResponse:
    return _operate(request, uuid, activate_account, _("The account is activated."))


@require_POST
def account_suspend(request: HttpRequest, uuid: UUID) -> HttpResponse:
    form = SuspendForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _operate(request, uuid, suspend_account, _("The account is suspended."), reason=reason)


@require_POST
def account_reactivate(request: HttpRequest, uuid: UUID) -> HttpResponse:
    return _operate(request, uuid, reactivate_account, _("The account is reactivated."))


@require_POST
def account_deactivate(request: HttpRequest, uuid: UUID) -> HttpResponse:
    return _operate(request, uuid, deactivate_account, _("The account is deactivated."))


@require_POST
def account_revoke(request: HttpRequest, uuid: UUID) -> HttpResponse:
    form = RevokeForm(request.POST)
    if not form.is_valid():
        _managed_person(request, uuid)
        messages.error(request, _("Choose why the credentials are revoked."))
        return redirect("identity:account", uuid=uuid)
    done = _("Every credential of this account is revoked. Print a new letter to give access back.")
    return _operate(request, uuid, revoke_credentials, done, reason=form.cleaned_data["reason"])


@require_POST
def account_delete(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Delete an account once the administrator confirmed it."""
    person = _managed_person(request, uuid)
    if not DeleteForm(request.POST).is_valid():
        messages.error(request, _("Tick the box to confirm the deletion."))
        return redirect("identity:account", uuid=uuid)
    delete_account(actor=_actor(request), person=person)
    messages.success(request, _("The account is deleted and its personal data erased."))
    return redirect("identity:accounts")


@require_POST
def account_reset(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Reset a forgotten password: the old one stops working; print a new activation letter."""
    person = _managed_person(request, uuid)
    code = reset_password_by_letter(actor=_actor(request), person=person)
    return _letters(request, [(person, code)], f"activation-{person.login}")


@require_POST
def account_card(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Print a new QR-code card for one person (their previous cards stop working)."""
    person = _managed_person(request, uuid)
    issued = issue_access_cards(actor=_actor(request), people=[person])
    return _cards(request, issued, f"card-{person.login}")


@require_POST
def account_cards_revoke(request: HttpRequest, uuid: UUID) -> HttpResponse:
    return _operate(request, uuid, revoke_access_cards, _("The QR-code cards are revoked."))


@require_GET
def classes(request: HttpRequest) -> HttpResponse:
    """List the classes whose letters or cards the signed-in person may print."""
    rows = list(printable_classes(request.user))
    if not rows:
        raise PermissionDenied
    return render(
        request, "identity/accounts/classes.html", {"classes": rows, "form": LettersForm()}
    )


@require_POST
def class_letters(request: HttpRequest, class_id: int) -> HttpResponse:
    """Print activation letters for the people of a class who cannot sign in yet."""
    school_class = _printable_class(request, class_id, can_print_activation_letters)
    form = LettersForm(request.POST)
    audience = form.cleaned_data["audience"] if form.is_valid() else "pupils"
    people = letter_recipients(request.user, school_class, audience)
    issued = issue_activation_codes(actor=_actor(request), people=people)
    if not issued:
        messages.info(request, _("Everyone in this class can already sign in: no letter to print."))
        return redirect("identity:classes")
    place = (str(school_class), school_class.school.name)
    return _letters(request, issued, f"activation-{slugify(school_class.code)}", place)


@require_POST
def class_cards(request: HttpRequest, class_id: int) -> HttpResponse:
    """Print new QR-code cards for the pupils of a class (previous cards stop working)."""
    school_class = _printable_class(request, class_id, can_print_access_cards)
    issued = issue_access_cards(
        actor=_actor(request), people=card_recipients(request.user, school_class)
    )
    if not issued:
        messages.info(request, _("This class has no pupil."))
        return redirect("identity:classes")
    return _cards(request, issued, f"cards-{slugify(school_class.code)}")
