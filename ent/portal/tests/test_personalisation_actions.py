"""The personalisation actions: a person's own choices within rights and limits, the layouts of
each level by the people in charge of it, and the schools' public pages."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ent.audit.models import AuditEvent
from ent.directory.models import HeadTeacher, Profile, TeachingAssignment
from ent.portal.actions import save_layout, save_preferences, save_school_page
from ent.portal.models import Layout, Preference, SchoolPage, TextSize, Theme
from ent.portal.personalisation import effective_layout
from ent.rights import registry
from ent.rights.actions import install_default_grants
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration
from ent.rights.tests.factories import new_class, new_group, new_person, person_in

SERVICES = (
    ServiceDeclaration(
        code="test_news",
        label="Actualités (test)",
        url_name="portal:preferences",
        defaults=tuple(DefaultGrant(profile, Level.READ) for profile in sorted(registry.PROFILES)),
    ),
    ServiceDeclaration(
        code="test_teacher_tool",
        label="Outil enseignant (test)",
        url_name="portal:preferences",
        defaults=(DefaultGrant("ENS"),),
    ),
)


@pytest.fixture
def services(db):
    for declaration in SERVICES:
        registry.register(declaration)
    install_default_grants(actor=None)
    yield [declaration.code for declaration in SERVICES]
    for declaration in SERVICES:
        registry.unregister(declaration.code)


def choices(**changes):
    values = {
        "hidden": [],
        "order": [],
        "theme": "",
        "text_size": TextSize.NORMAL,
        "high_contrast": False,
        "dyslexia_font": False,
        "reduce_motion": False,
        "prefers_classic_site": False,
    }
    return values | changes


def layout_values(**changes):
    values = {
        "hidden": [],
        "order": [],
        "locked": [],
        "theme": "",
        "allow_personal_theme": True,
        "allow_personal_hiding": True,
        "message": "",
    }
    return values | changes


# A person's own choices ------------------------------------------------------------------------


@pytest.mark.sdet("SOC-POR-PPO-04", "SOC-POR-PPO-07", "UTI-UTL-PER-02")
def test_a_parent_hides_a_module_and_chooses_a_theme(cast, services):
    preference = save_preferences(
        actor=cast.guardian,
        **choices(hidden=["test_news"], order=["addressbook"], theme=Theme.FOREST),
    )
    stored = Preference.objects.get(person=cast.guardian)
    assert stored.pk == preference.pk
    assert stored.hidden_services == ["test_news"]
    assert stored.service_order == ["addressbook"]
    assert stored.theme == Theme.FOREST
    event = AuditEvent.objects.get(action="portal.preference.change")
    assert event.actor_id == cast.guardian.pk
    # Presentation aids may reveal a disability: the trail names the fields, not the values.
    assert event.data == {"fields": ["hidden_services", "service_order", "theme"]}


@pytest.mark.sdet("SOC-POR-PPO-04")
@pytest.mark.parametrize("field", ["hidden", "order"])
def test_a_parent_cannot_add_or_hide_a_service_their_profile_is_not_entitled_to(
    cast, services, field
):
    with pytest.raises(ValidationError) as refused:
        save_preferences(actor=cast.guardian, **choices(**{field: ["test_teacher_tool"]}))
    assert refused.value.code == "not_entitled"
    assert not Preference.objects.filter(person=cast.guardian).exists()
    assert not AuditEvent.objects.filter(action="portal.preference.change").exists()


def test_a_teacher_holds_the_teacher_tool_and_may_order_it(cast, services):
    save_preferences(actor=cast.teacher, **choices(order=["test_teacher_tool", "test_news"]))
    assert Preference.objects.get(person=cast.teacher).service_order == [
        "test_teacher_tool",
        "test_news",
    ]


@pytest.mark.sdet("UTI-UTL-PER-02")
def test_presentation_aids_are_saved_for_every_device(cast, services):
    save_preferences(
        actor=cast.pupil,
        **choices(text_size=TextSize.LARGER, high_contrast=True, dyslexia_font=True),
    )
    stored = Preference.objects.get(person=cast.pupil)
    assert (stored.text_size, stored.high_contrast, stored.dyslexia_font) == (150, True, True)


def test_unknown_theme_and_text_size_are_refused(cast, services):
    with pytest.raises(ValidationError):
        save_preferences(actor=cast.pupil, **choices(theme="NEON"))
    with pytest.raises(ValidationError):
        save_preferences(actor=cast.pupil, **choices(text_size=300))


@pytest.mark.sdet("SOC-POR-PPO-03")
def test_a_locked_service_cannot_be_hidden(cast, services):
    Layout.objects.create(school=cast.school, locked_services=["test_news"])
    with pytest.raises(ValidationError) as refused:
        save_preferences(actor=cast.pupil, **choices(hidden=["test_news"]))
    assert [error.code for error in refused.value.error_list] == ["locked"]


@pytest.mark.sdet("SOC-POR-PPO-07", "UTI-UTL-PER-02")
def test_the_school_may_forbid_personal_themes_and_hiding(cast, services):
    save_preferences(actor=cast.pupil, **choices(hidden=["support"], theme=Theme.SLATE))
    Layout.objects.create(
        school=cast.school, allow_personal_theme=False, allow_personal_hiding=False
    )

    with pytest.raises(ValidationError) as refused:
        save_preferences(actor=cast.pupil, **choices(hidden=["test_news"], theme=Theme.FOREST))
    assert sorted(str(error.code) for error in refused.value.error_list) == ["hiding", "theme"]
    # Choices made before the limit may be kept (they no longer apply) or dropped.
    save_preferences(actor=cast.pupil, **choices(hidden=["support"], theme=Theme.SLATE))
    save_preferences(actor=cast.pupil, **choices())
    assert Preference.objects.get(person=cast.pupil).hidden_services == []


# Layouts ---------------------------------------------------------------------------------------


@pytest.mark.sdet("SOC-POR-PPO-02", "SOC-POR-PPO-05")
def test_the_head_sets_the_school_and_a_profile_layout(cast, services):
    save_layout(actor=cast.head, school=cast.school, **layout_values(hidden=["support"]))
    save_layout(
        actor=cast.school_admin,
        school=cast.school,
        profile=Profile.TUT,
        **layout_values(message="Réunion parents-professeurs jeudi", theme=Theme.SUNSET),
    )
    merged = effective_layout(cast.guardian, cast.school.pk)
    assert merged.hidden == {"support"}
    assert merged.theme == Theme.SUNSET
    assert merged.messages == ("Réunion parents-professeurs jeudi",)
    assert effective_layout(cast.teacher, cast.school.pk).messages == ()
    row = Layout.objects.get(school=cast.school, profile=Profile.TUT)
    assert row.updated_by == cast.school_admin
    assert AuditEvent.objects.filter(action="portal.layout.change").count() == 2


def test_saving_a_layout_again_updates_the_same_row(cast, services):
    save_layout(actor=cast.head, school=cast.school, **layout_values(theme=Theme.SLATE))
    save_layout(actor=cast.head, school=cast.school, **layout_values(theme=Theme.FOREST))
    assert Layout.objects.get(school=cast.school, profile="").theme == Theme.FOREST


@pytest.mark.parametrize("who", ["teacher", "pupil", "guardian", "outsider"])
def test_only_the_schools_administrators_set_its_layout(cast, services, who):
    with pytest.raises(PermissionDenied):
        save_layout(actor=getattr(cast, who), school=cast.school, **layout_values())


def test_only_operators_set_the_project_layout(cast, services):
    with pytest.raises(PermissionDenied):
        save_layout(actor=cast.head, school=None, **layout_values())
    operator = new_person(is_staff=True)
    save_layout(actor=operator, school=None, **layout_values(locked=["test_news"]))
    save_layout(actor=operator, school=cast.school, **layout_values(message="Maintenance"))
    assert Layout.objects.get(school=None).locked_services == ["test_news"]
    assert effective_layout(cast.pupil, cast.school.pk).messages == ("Maintenance",)


@pytest.mark.sdet("SOC-POR-PPO-06", "UTI-UTL-PER-01")
def test_head_teacher_and_teachers_set_their_class_within_the_schools_limits(cast, services):
    HeadTeacher.objects.create(teacher=cast.teacher, school_class=cast.school_class)
    colleague = person_in(cast.school, Profile.ENS)
    TeachingAssignment.objects.create(
        teacher=colleague, school_class=cast.school_class, subject_code="MATHS"
    )
    save_layout(
        actor=cast.teacher,
        school=cast.school,
        school_class=cast.school_class,
        **layout_values(message="Sortie au musée"),
    )
    save_layout(
        actor=colleague,
        school=cast.school,
        school_class=cast.school_class,
        **layout_values(message="Contrôle lundi"),
    )
    assert Layout.objects.get(school_class=cast.school_class).message == "Contrôle lundi"

    save_layout(
        actor=cast.head,
        school=cast.school,
        **layout_values(locked=["test_news"], allow_personal_theme=False),
    )
    with pytest.raises(ValidationError) as refused:
        save_layout(
            actor=cast.teacher,
            school=cast.school,
            school_class=cast.school_class,
            **layout_values(hidden=["test_news"], theme=Theme.SUNSET),
        )
    assert sorted(str(error.code) for error in refused.value.error_list) == ["locked", "theme"]


def test_a_teacher_cannot_set_a_class_or_group_they_do_not_teach(cast, services):
    other_class = new_class(school=cast.school)
    group = new_group(school=cast.school)
    with pytest.raises(PermissionDenied):
        save_layout(
            actor=cast.teacher, school=cast.school, school_class=other_class, **layout_values()
        )
    with pytest.raises(PermissionDenied):
        save_layout(actor=cast.teacher, school=cast.school, teaching_group=group, **layout_values())
    TeachingAssignment.objects.create(teacher=cast.teacher, teaching_group=group, subject_code="LV")
    save_layout(actor=cast.teacher, school=cast.school, teaching_group=group, **layout_values())


@pytest.mark.parametrize(
    "scope",
    [
        {"school": None, "profile": "ENS"},
        {"profile": "XYZ"},
        {"profile": "ENS", "school_class": "class"},
        {"school_class": "other"},
        {"school_class": "class", "teaching_group": "group"},
    ],
)
def test_a_layout_scope_must_make_sense(cast, services, scope):
    values = {"school": cast.school} | scope
    if values.get("school_class") == "class":
        values["school_class"] = cast.school_class
    elif values.get("school_class") == "other":
        values["school_class"] = new_class(school=cast.other_school)
    if values.get("teaching_group") == "group":
        values["teaching_group"] = new_group(school=cast.school)
    with pytest.raises(ValidationError):
        save_layout(actor=cast.head, **values, **layout_values())


def test_a_layout_refuses_unknown_services_and_hiding_a_service_it_locks(cast, services):
    with pytest.raises(ValidationError):
        save_layout(actor=cast.head, school=cast.school, **layout_values(hidden=["nothing_here"]))
    with pytest.raises(ValidationError):
        save_layout(
            actor=cast.head,
            school=cast.school,
            **layout_values(hidden=["test_news"], locked=["test_news"]),
        )
    with pytest.raises(ValidationError):
        save_layout(actor=cast.head, school=cast.school, **layout_values(theme="NEON"))


# Public pages ----------------------------------------------------------------------------------


def test_the_head_writes_the_schools_public_page(cast, services):
    save_school_page(
        actor=cast.head, school=cast.school, title="Collège X", body="Bienvenue", is_published=True
    )
    save_school_page(
        actor=cast.school_admin, school=cast.school, title="Collège X", body="", is_published=False
    )
    page = SchoolPage.objects.get(school=cast.school)
    assert (page.body, page.is_published, page.updated_by) == ("", False, cast.school_admin)
    assert AuditEvent.objects.filter(action="portal.school_page.change").count() == 2


def test_only_administrators_write_the_public_page_and_it_needs_a_title(cast, services):
    with pytest.raises(PermissionDenied):
        save_school_page(
            actor=cast.teacher, school=cast.school, title="X", body="", is_published=True
        )
    with pytest.raises(PermissionDenied):
        save_school_page(
            actor=cast.head, school=cast.other_school, title="Y", body="", is_published=True
        )
    with pytest.raises(ValidationError):
        save_school_page(actor=cast.head, school=cast.school, title=" ", body="", is_published=True)
    assert not SchoolPage.objects.exists()
