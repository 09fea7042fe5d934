"""What a person finally sees: layouts merged from the project down to their classes, then their
own choices, never more than their rights (SOC-POR-PPO-03..07, UTI-UTL-PER)."""

from __future__ import annotations

import pytest

from ent.directory.models import Enrolment, Profile, TeachingAssignment
from ent.portal.models import Layout, Preference, TextSize, Theme
from ent.portal.personalisation import (
    EffectiveLayout,
    arrange,
    effective_layout,
    html_classes,
    preference_of,
)
from ent.rights import registry
from ent.rights.actions import install_default_grants
from ent.rights.queries import services_for
from ent.rights.registry import DefaultGrant, Level, ServiceDeclaration
from ent.rights.tests.factories import build_world, new_class, new_group, pupil_in

EVERYONE = tuple(sorted(registry.PROFILES))
SERVICES = (
    ServiceDeclaration(
        code="test_news",
        label="Actualités (test)",
        url_name="portal:preferences",
        defaults=tuple(DefaultGrant(profile, Level.READ) for profile in EVERYONE),
    ),
    ServiceDeclaration(
        code="test_notebook",
        label="Cahier (test)",
        url_name="portal:preferences",
        defaults=(DefaultGrant("ENS"), DefaultGrant("ELV"), DefaultGrant("TUT", Level.READ)),
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


def codes(accesses):
    return [access.code for access in accesses]


def layout(**fields):
    values = {"profile": "", "school": None, "school_class": None, "teaching_group": None}
    return Layout.objects.create(**(values | fields))


@pytest.mark.sdet("SOC-POR-PPO-05", "SOC-POR-PPO-06", "SOC-POR-PPO-02", "UTI-UTL-PER-01")
def test_layouts_cascade_from_the_project_to_the_pupils_class(cast, services):
    Enrolment.objects.create(pupil=cast.pupil, school_class=cast.school_class)
    layout(theme=Theme.SLATE, service_order=["test_notebook"], message="Projet")
    layout(school=cast.school, theme=Theme.FOREST, hidden_services=["test_news"], message="École")
    layout(school=cast.school, profile=Profile.ELV, service_order=["test_news", "addressbook"])
    layout(school=cast.school, school_class=cast.school_class, theme=Theme.SUNSET, message="3eA")
    # Levels that do not concern Léa: another profile, another school.
    layout(school=cast.school, profile=Profile.ENS, theme=Theme.SLATE, message="Profs")
    layout(school=cast.other_school, hidden_services=["test_notebook"], message="Y")

    merged = effective_layout(cast.pupil, cast.school.pk)

    assert merged.theme == Theme.SUNSET
    assert merged.hidden == {"test_news"}
    assert merged.order == ("test_news", "addressbook", "test_notebook")
    assert merged.messages == ("Projet", "École", "3eA")


@pytest.mark.sdet("SOC-POR-PPO-05")
def test_a_profile_layout_reaches_guardians_through_their_child(cast, services):
    world = build_world(cast)
    school_y = cast.other_school
    layout(school=school_y, profile=Profile.TUT, message="Parents de Y")
    layout(school=school_y, profile=Profile.ENS, message="Profs de Y")

    # Mme Dupont teaches in X and is Martin's mother in Y: in Y she is a guardian only.
    assert effective_layout(cast.teacher, school_y.pk).messages == ("Parents de Y",)
    assert effective_layout(world.martin, school_y.pk).messages == ()
    assert effective_layout(cast.teacher, cast.school.pk).messages == ()


@pytest.mark.sdet("SOC-POR-PPO-06", "UTI-UTL-PER-01")
def test_teachers_get_the_layouts_of_the_classes_and_groups_they_teach(cast, services):
    build_world(cast)
    group = new_group(school=cast.school)
    TeachingAssignment.objects.create(teacher=cast.teacher, teaching_group=group, subject_code="LV")
    layout(school=cast.school, school_class=cast.school_class, message="3eA")
    layout(school=cast.school, teaching_group=group, message="Groupe")
    other = new_class(school=cast.school)
    layout(school=cast.school, school_class=other, message="Pas la sienne")

    assert set(effective_layout(cast.teacher, cast.school.pk).messages) == {"3eA", "Groupe"}


@pytest.mark.sdet("SOC-POR-PPO-03")
def test_locked_services_stay_shown_whatever_the_levels_below_and_the_person_hide(cast, services):
    Enrolment.objects.create(pupil=cast.pupil, school_class=cast.school_class)
    layout(locked_services=["test_news"])
    layout(school=cast.school, hidden_services=["test_news", "test_notebook"])
    layout(school=cast.school, school_class=cast.school_class, hidden_services=["test_news"])
    merged = effective_layout(cast.pupil, cast.school.pk)
    preference = Preference(person=cast.pupil, hidden_services=["test_news", "addressbook"])

    shown = arrange(services_for(cast.pupil), merged, preference)

    assert merged.locked == {"test_news"}
    assert merged.hidden == {"test_notebook"}
    assert "test_news" in codes(shown)
    assert "test_notebook" not in codes(shown)
    assert "addressbook" not in codes(shown)


@pytest.mark.sdet("SOC-POR-PPO-06", "SOC-POR-PPO-07", "UTI-UTL-PER-01", "UTI-UTL-PER-02")
def test_the_schools_limits_bind_its_classes_and_its_people(cast, services):
    Enrolment.objects.create(pupil=cast.pupil, school_class=cast.school_class)
    layout(
        school=cast.school,
        theme=Theme.FOREST,
        allow_personal_theme=False,
        allow_personal_hiding=False,
    )
    layout(
        school=cast.school,
        school_class=cast.school_class,
        theme=Theme.SUNSET,
        hidden_services=["test_notebook"],
        allow_personal_theme=True,
    )
    merged = effective_layout(cast.pupil, cast.school.pk)
    preference = Preference(person=cast.pupil, theme=Theme.SLATE, hidden_services=["test_news"])

    assert merged.theme == Theme.FOREST
    assert merged.hidden == frozenset()
    assert not merged.allow_personal_theme
    assert not merged.allow_personal_hiding
    assert html_classes(preference, merged) == "theme-forest"
    assert {"test_news", "test_notebook"} <= set(
        codes(arrange(services_for(cast.pupil), merged, preference))
    )


@pytest.mark.sdet("SOC-POR-PPO-07", "UTI-UTL-PER-02")
def test_a_person_hides_and_orders_within_the_layout(cast, services):
    merged = EffectiveLayout(order=("test_news", "addressbook"))
    preference = Preference(
        person=cast.teacher, hidden_services=["support"], service_order=["test_teacher_tool"]
    )

    held = services_for(cast.teacher)
    labels = {access.code: str(access.declaration.label).casefold() for access in held}

    shown = codes(arrange(held, merged, preference))

    # Personal order first, then the layout's, then the label.
    assert shown[:3] == ["test_teacher_tool", "test_news", "addressbook"]
    assert "support" not in shown
    assert shown[3:] == sorted(shown[3:], key=labels.__getitem__)
    assert len(shown[3:]) >= 1


@pytest.mark.sdet("SOC-POR-PPO-04")
def test_arrange_never_adds_a_service_the_person_does_not_hold(cast, services):
    merged = EffectiveLayout(order=("test_teacher_tool",), locked=frozenset({"test_teacher_tool"}))
    preference = Preference(person=cast.guardian, service_order=["test_teacher_tool", "test_news"])
    held = services_for(cast.guardian)

    shown = codes(arrange(held, merged, preference))

    assert "test_teacher_tool" not in codes(held)
    assert "test_teacher_tool" not in shown
    assert set(shown) <= set(codes(held))
    assert shown[0] == "test_news"


@pytest.mark.sdet("UTI-UTL-PER-02")
def test_html_classes_carry_the_theme_and_every_presentation_aid(cast):
    preference = Preference(
        person=cast.pupil,
        theme=Theme.SLATE,
        text_size=TextSize.LARGER,
        high_contrast=True,
        dyslexia_font=True,
        reduce_motion=True,
    )
    assert html_classes(preference, EffectiveLayout(theme=Theme.FOREST)) == (
        "theme-slate aid-text-150 aid-contrast aid-dyslexia aid-reduce-motion"
    )
    plain = Preference(person=cast.pupil)
    assert html_classes(plain, EffectiveLayout()) == ""
    assert html_classes(plain, EffectiveLayout(theme=Theme.SUNSET)) == "theme-sunset"
    large = Preference(person=cast.pupil, text_size=TextSize.LARGE)
    assert html_classes(large, EffectiveLayout()) == "aid-text-125"


def test_preference_of_a_person_who_never_chose_is_an_unsaved_default(cast):
    preference = preference_of(cast.pupil)
    assert preference.pk is None
    assert preference.text_size == TextSize.NORMAL


@pytest.mark.sdet("SOC-POR-PPO-05", "SOC-POR-PPO-06")
def test_effective_layout_costs_one_query_however_many_levels_apply(
    cast, services, django_assert_num_queries
):
    Enrolment.objects.create(pupil=cast.pupil, school_class=cast.school_class)
    layout(school=cast.school, message="École")
    with django_assert_num_queries(1):
        effective_layout(cast.pupil, cast.school.pk)

    for number in range(5):
        school_class = new_class(school=cast.school)
        group = new_group(school=cast.school)
        Enrolment.objects.create(pupil=cast.pupil, school_class=school_class)
        Enrolment.objects.create(pupil=cast.pupil, teaching_group=group)
        layout(school=cast.school, school_class=school_class, message=f"classe {number}")
        layout(school=cast.school, teaching_group=group, message=f"groupe {number}")
        pupil_in(school_class)
    layout()
    layout(school=cast.school, profile=Profile.ELV)
    with django_assert_num_queries(1):
        merged = effective_layout(cast.pupil, cast.school.pk)
    assert len(merged.messages) == 11
