"""The chat's pages. Every page works as plain forms; chat.js makes the conversation live."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ent.directory.models import Profile, School, SchoolClass, TeachingGroup, User
from ent.rights.communication import visible_people
from ent.rights.decorators import service_required
from ent.rights.queries import schools_for
from ent.rights.registry import Level

from . import actions, queries
from .forms import (
    ApprovedOnlyForm,
    ChannelForm,
    MembersForm,
    MessageForm,
    PersonForm,
    PolicyForm,
    RenameForm,
    StatusForm,
)
from .models import SERVICE, Conversation, Kind, Status
from .permissions import access_refusal, can_manage_channel, can_open_channel


def _person(request: HttpRequest) -> User:
    # Every view here runs behind LoginRequiredMiddleware: the user is signed in.
    return cast(User, request.user)


def _conversation(request: HttpRequest, conversation_id: int) -> Conversation:
    found = Conversation.objects.visible_to(request.user).select_related(
        "school", "school_class", "teaching_group"
    )
    return get_object_or_404(found, pk=conversation_id)


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(str(message) for message in error.messages)
    return str(error.args[0]) if error.args else _("You may not do this.")


def _home(
    request: HttpRequest, *, direct_form: PersonForm | None = None, status: int = 200
) -> HttpResponse:
    person = _person(request)
    profile = queries.chat_profile_of(person)
    context = {
        "rows": queries.conversations_of(person),
        "joinable": queries.joinable_channels(person),
        "closed": access_refusal(person),
        "status_form": StatusForm(initial={"status": profile.status}),
        "direct_form": direct_form or PersonForm(people=queries.chat_partners(person)),
        "may_open": any(
            can_open_channel(person, school_id=school.pk) for school in _schools(person)
        ),
        "manages": queries.managed_schools(person).exists(),
    }
    return render(request, "chat/home.html", context, status=status)


def _schools(person: User) -> QuerySet[School]:
    return schools_for(person, SERVICE, level=Level.USE)


@require_GET
@service_required(SERVICE)
def home(request: HttpRequest) -> HttpResponse:
    return _home(request)


def _conversation_page(
    request: HttpRequest, conversation: Conversation, form: MessageForm, *, status: int = 200
) -> HttpResponse:
    person = _person(request)
    context = {
        "conversation": conversation,
        "title": queries.title_of(conversation, person),
        "history": queries.history(conversation),
        "members": queries.members_of(conversation),
        "form": form,
        "closed": access_refusal(person),
        "follows": queries.is_follower(person, conversation),
        "may_manage": can_manage_channel(person, conversation),
    }
    return render(request, "chat/conversation.html", context, status=status)


@require_GET
@service_required(SERVICE)
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    found = _conversation(request, conversation_id)
    actions.mark_read(actor=_person(request), conversation=found)
    return _conversation_page(request, found, MessageForm())


@require_POST
@service_required(SERVICE, level=Level.USE)
def post(request: HttpRequest, conversation_id: int) -> HttpResponse:
    found = _conversation(request, conversation_id)
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _conversation_page(request, found, form, status=422)
    try:
        message = actions.post_message(
            actor=_person(request), conversation=found, body=form.cleaned_data["body"]
        )
    except (PermissionDenied, ValidationError) as refusal:
        form.add_error(None, _reason(refusal))
        code = 403 if isinstance(refusal, PermissionDenied) else 422
        return _conversation_page(request, found, form, status=code)
    return redirect(reverse("chat:conversation", args=[found.pk]) + f"#message-{message.pk}")


@require_POST
@service_required(SERVICE, level=Level.USE)
def join(request: HttpRequest, conversation_id: int) -> HttpResponse:
    found = _conversation(request, conversation_id)
    try:
        actions.join_channel(actor=_person(request), conversation=found)
    except PermissionDenied as refusal:
        messages.error(request, _reason(refusal))
        return redirect("chat:home")
    messages.success(request, _("You joined the channel %(name)s.") % {"name": found.name})
    return redirect("chat:conversation", found.pk)


@require_POST
@service_required(SERVICE)
def leave(request: HttpRequest, conversation_id: int) -> HttpResponse:
    found = _conversation(request, conversation_id)
    actions.leave_conversation(actor=_person(request), conversation=found)
    messages.success(request, _("The conversation left your list."))
    return redirect("chat:home")


@require_POST
@service_required(SERVICE, level=Level.USE)
def direct(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    # Anybody one sees may be asked for: the action then says why the rules refuse.
    form = PersonForm(request.POST, people=visible_people(person).exclude(pk=person.pk))
    if not form.is_valid():
        return _home(request, direct_form=form, status=422)
    try:
        found = actions.open_direct(actor=person, other=form.cleaned_data["person"])
    except PermissionDenied as refusal:
        form.add_error(None, _reason(refusal))
        return _home(request, direct_form=form, status=403)
    return redirect("chat:conversation", found.pk)


@require_POST
@service_required(SERVICE)
def status(request: HttpRequest) -> HttpResponse:
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status from the list."))
        return redirect("chat:home")
    profile = actions.set_status(actor=_person(request), status=form.cleaned_data["status"])
    label = Status(profile.status).label
    messages.success(request, _("Your status is now: %(status)s.") % {"status": label})
    return redirect("chat:home")


@require_http_methods(["GET", "POST"])
@service_required(SERVICE)
def contacts(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    rule = ApprovedOnlyForm(
        request.POST if "approved_only_form" in request.POST else None,
        initial={"approved_only": queries.chat_profile_of(person).is_approved_only},
    )
    pick = PersonForm(
        request.POST if "contact_form" in request.POST else None,
        people=queries.chat_partners(person),
    )
    if rule.is_bound and rule.is_valid():
        actions.set_approved_only(actor=person, approved_only=rule.cleaned_data["approved_only"])
        messages.success(request, _("Your chat settings are saved."))
        return redirect("chat:contacts")
    if pick.is_bound and pick.is_valid():
        actions.approve_contact(actor=person, contact=pick.cleaned_data["person"])
        messages.success(request, _("The contact is approved."))
        return redirect("chat:contacts")
    context = {"rule": rule, "pick": pick, "contacts": queries.approved_contacts(person)}
    return render(request, "chat/contacts.html", context, status=422 if pick.is_bound else 200)


@require_POST
@service_required(SERVICE)
def contact_remove(request: HttpRequest, person_id: int) -> HttpResponse:
    contact = get_object_or_404(User.objects.filter(is_active=True), pk=person_id)
    actions.remove_contact(actor=_person(request), contact=contact)
    messages.success(
        request, _("%(name)s is no longer an approved contact.") % {"name": contact.display_name}
    )
    return redirect("chat:contacts")


def _divisions(person: User) -> dict[str, SchoolClass | TeachingGroup]:
    """The classes and groups `person` may open a channel for, by form key."""
    found: dict[str, SchoolClass | TeachingGroup] = {}
    schools = _schools(person)
    for school_class in SchoolClass.objects.filter(school__in=schools).select_related("school"):
        if can_open_channel(person, school_id=school_class.school_id, division=school_class):
            found[f"class-{school_class.pk}"] = school_class
    for group in TeachingGroup.objects.filter(school__in=schools).select_related("school"):
        if can_open_channel(person, school_id=group.school_id, division=group):
            found[f"group-{group.pk}"] = group
    return found


@require_http_methods(["GET", "POST"])
@service_required(SERVICE, level=Level.USE)
def channel_new(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    divisions = _divisions(person)
    choices = [(key, str(division.label or division.code)) for key, division in divisions.items()]
    form = ChannelForm(
        request.POST or None, divisions=choices, people=queries.chat_partners(person)
    )
    if request.method == "POST" and form.is_valid():
        division = divisions.get(form.cleaned_data["division"])
        school = division.school if division else _schools(person).first()
        try:
            if school is None:
                raise PermissionDenied(_("You may not open a channel here."))
            found = actions.open_channel(
                actor=person,
                school=school,
                name=form.cleaned_data["name"],
                division=division,
                members=form.cleaned_data["members"],
            )
        except (PermissionDenied, ValidationError) as refusal:
            form.add_error(None, _reason(refusal))
        else:
            messages.success(request, _("The channel %(name)s is open.") % {"name": found.name})
            return redirect("chat:conversation", found.pk)
    status_code = 422 if form.is_bound else 200
    return render(request, "chat/channel_form.html", {"form": form}, status=status_code)


@require_http_methods(["GET", "POST"])
@service_required(SERVICE, level=Level.USE)
def channel_manage(request: HttpRequest, conversation_id: int) -> HttpResponse:
    person = _person(request)
    found = _conversation(request, conversation_id)
    if not can_manage_channel(person, found):
        raise PermissionDenied
    rename = RenameForm(
        request.POST if "rename_form" in request.POST else None, initial={"name": found.name}
    )
    add = MembersForm(
        request.POST if "members_form" in request.POST else None,
        people=queries.chat_partners(person),
    )
    try:
        if rename.is_bound and rename.is_valid():
            actions.rename_channel(
                actor=person, conversation=found, name=rename.cleaned_data["name"]
            )
            messages.success(request, _("The channel is renamed."))
            return redirect("chat:channel-manage", found.pk)
        if add.is_bound and add.is_valid():
            actions.add_members(
                actor=person, conversation=found, people=add.cleaned_data["members"]
            )
            messages.success(request, _("The members are added."))
            return redirect("chat:channel-manage", found.pk)
    except (PermissionDenied, ValidationError) as refusal:
        (rename if rename.is_bound else add).add_error(None, _reason(refusal))
    context = {
        "conversation": found,
        "rename": rename,
        "add": add if found.kind == Kind.TOPIC else None,
        "members": queries.members_of(found),
    }
    bound = rename.is_bound or add.is_bound
    return render(request, "chat/manage.html", context, status=422 if bound else 200)


@require_POST
@service_required(SERVICE, level=Level.USE)
def channel_delete(request: HttpRequest, conversation_id: int) -> HttpResponse:
    found = _conversation(request, conversation_id)
    actions.delete_channel(actor=_person(request), conversation=found)
    messages.success(request, _("The channel %(name)s is deleted.") % {"name": found.name})
    return redirect("chat:home")


@require_http_methods(["GET", "POST"])
@service_required(SERVICE, level=Level.MANAGE)
def policies(request: HttpRequest, school_id: int) -> HttpResponse:
    person = _person(request)
    school = get_object_or_404(queries.managed_schools(person), pk=school_id)
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_access_policy(actor=person, school=school, **form.cleaned_data)
        except (PermissionDenied, ValidationError) as refusal:
            form.add_error(None, _reason(refusal))
        else:
            messages.success(request, _("The chat rule is saved."))
            return redirect("chat:policies", school.pk)
    rules = queries.policies_of(school)
    rows = [(Profile(code), rules.get(code)) for code in Profile.values]
    context = {"school": school, "rows": rows, "form": form}
    return render(request, "chat/policies.html", context, status=422 if form.is_bound else 200)


@require_GET
@service_required(SERVICE, level=Level.MANAGE)
def policies_home(request: HttpRequest) -> HttpResponse:
    schools = queries.managed_schools(_person(request))
    first = schools.first()
    if first is None:
        raise PermissionDenied
    return redirect("chat:policies", first.pk)
