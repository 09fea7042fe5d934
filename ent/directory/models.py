"""The directory (annuaire): schools, people, their memberships, classes, groups and families."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .validators import validate_uai

if TYPE_CHECKING:
    from django_stubs_ext.db.models.manager import RelatedManager


class Degree(models.IntegerChoices):
    FIRST = 1, _("1st degree (école)")
    SECOND = 2, _("2nd degree (collège, lycée)")


class SchoolKind(models.TextChoices):
    ECOLE_MATERNELLE = "ECOLE_MATERNELLE", _("nursery school")
    ECOLE_ELEMENTAIRE = "ECOLE_ELEMENTAIRE", _("elementary school")
    ECOLE_PRIMAIRE = "ECOLE_PRIMAIRE", _("primary school")
    COLLEGE = "COLLEGE", _("collège")
    LYCEE = "LYCEE", _("lycée")
    LYCEE_PRO = "LYCEE_PRO", _("vocational lycée")
    SERVICE = "SERVICE", _("academic service")
    OTHER = "OTHER", _("other structure")


class Profile(models.TextChoices):
    """The national profiles of the SDET directory annex, plus a local guest profile."""

    ELV = "ELV", _("pupil")
    TUT = "TUT", _("guardian")
    ENS = "ENS", _("teacher")
    DOC = "DOC", _("teacher-librarian")
    DIR = "DIR", _("head of school")
    EVS = "EVS", _("pupil-life staff")
    ETA = "ETA", _("administrative or technical staff")
    ACA = "ACA", _("academic staff")
    COL = "COL", _("local-authority staff")
    GST = "GST", _("guest")


class Source(models.TextChoices):
    AAF = "AAF", _("AAF feed")
    PREVIOUS_ENT = "PREVIOUS_ENT", _("previous ENT")
    EDUCONNECT = "EDUCONNECT", _("EduConnect")
    MANUAL = "MANUAL", _("created by hand")


class School(models.Model):
    uai = models.CharField(_("UAI"), max_length=8, unique=True, validators=[validate_uai])
    name = models.CharField(_("name"), max_length=200)
    degree = models.PositiveSmallIntegerField(
        _("degree"), choices=Degree.choices, null=True, blank=True
    )
    kind = models.CharField(_("type"), max_length=20, choices=SchoolKind.choices)
    academy = models.CharField(_("académie"), max_length=100, blank=True)
    # A cité scolaire's member schools point to their lead school (functional attachment).
    lead_school = models.ForeignKey(
        "self",
        verbose_name=_("lead school"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attached_schools",
    )
    lead_key = models.CharField(_("lead school joint key"), max_length=64, blank=True)
    rpi = models.CharField(_("RPI"), max_length=50, blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    joint_key = models.CharField(
        _("AAF joint key"), max_length=64, null=True, blank=True, unique=True
    )
    feed_digest = models.CharField(_("feed digest"), max_length=64, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")

    def __str__(self) -> str:
        return f"{self.name} ({self.uai})"


class Subject(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    label = models.CharField(_("label"), max_length=200)
    feed_digest = models.CharField(_("feed digest"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")

    def __str__(self) -> str:
        return f"{self.label} ({self.code})"


class Mef(models.Model):
    """A MEF (module élémentaire de formation): a level of a training path."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    label = models.CharField(_("label"), max_length=200)
    level = models.CharField(_("level"), max_length=100, blank=True)
    track = models.CharField(_("track"), max_length=100, blank=True)
    feed_digest = models.CharField(_("feed digest"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("MEF")
        verbose_name_plural = _("MEFs")

    def __str__(self) -> str:
        return f"{self.label} ({self.code})"


class UserQuerySet(models.QuerySet["User"]):
    def active(self) -> Self:
        """Accounts that may sign in: active, and not past an external account's end date."""
        return self.filter(is_active=True).exclude(valid_until__lte=timezone.now())

    def purge_due(self, cutoff: Any, *, include_retained: bool) -> Self:
        """Deactivated accounts whose personal data is due for purge at `cutoff`."""
        queryset = self.filter(is_active=False, purged_at=None, deactivated_at__lte=cutoff)
        return queryset if include_retained else queryset.filter(is_retained=False)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]  # misc: django-stubs cannot type from_queryset on a generic base
    def create_user(self, login: str, password: str | None = None, **fields: Any) -> User:
        user: User = self.model(login=login, login_base=fields.pop("login_base", login), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, login: str, password: str | None = None, **fields: Any) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(login, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person of the directory. `uuid` never changes (SOC-SEC-IAU-01)."""

    uuid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    login = models.CharField(_("login"), max_length=150, unique=True)
    # The login before its collision suffix ("jean.dupont" for "jean.dupont3").
    login_base = models.CharField(_("login base"), max_length=150, db_index=True)
    title = models.CharField(_("title"), max_length=10, blank=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    birth_name = models.CharField(_("birth name"), max_length=150, blank=True)
    other_first_names = models.CharField(_("other first names"), max_length=300, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone_home = models.CharField(_("home phone"), max_length=30, blank=True)
    phone_mobile = models.CharField(_("mobile phone"), max_length=30, blank=True)
    phone_work = models.CharField(_("work phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)
    ine = models.CharField(_("INE"), max_length=11, blank=True, db_index=True)
    # Feed attributes kept as given (MEF, regime, grant…): personal data, purged with the rest.
    extra = models.JSONField(_("other attributes"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("operator"), default=False)
    # SOC-SUP-ABO-01 and SDET §9.2: deactivation date, then purge of personal data.
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)
    # SOC-SEC-IAU-13: an account from the AAF is inactive for login until its owner activates it.
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    charter_accepted_at = models.DateTimeField(_("charter accepted at"), null=True, blank=True)
    purged_at = models.DateTimeField(_("purged at"), null=True, blank=True)
    # An account legitimately kept beyond 3 months (staff on leave) waits for the year rollover.
    is_retained = models.BooleanField(_("kept until the year rollover"), default=False)
    # SDET §9.2: an external account (tutor, partner) carries the end date its head of school set.
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "login"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    if TYPE_CHECKING:
        memberships: RelatedManager[Membership]
        external_ids: RelatedManager[ExternalId]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [models.Index(fields=["is_active", "deactivated_at"])]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.login})"

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.login


class ExternalId(models.Model):
    """A person's identifier in another system, kept per source (SOC-SEC-IAU-02)."""

    person = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="external_ids"
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    value = models.CharField(_("value"), max_length=128)
    # Digest of the last feed record applied, so that an unchanged record costs nothing.
    # One digest per feed the person comes from: "1D:…|2D:…".
    record_digest = models.CharField(_("record digest"), max_length=200, blank=True)
    last_seen_run = models.BigIntegerField(_("last seen in run"), null=True, blank=True)
    # The last whole record applied, so that a Delta's modifyRequest replaces only the attributes
    # it carries. Personal data: deleted with the identifier at purge.
    record = models.JSONField(_("last record"), null=True, blank=True)

    class Meta:
        verbose_name = _("external identifier")
        verbose_name_plural = _("external identifiers")
        constraints = [
            models.UniqueConstraint(fields=["source", "value"], name="unique_external_id"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.value}"


class MembershipQuerySet(models.QuerySet["Membership"]):
    def current(self, on: date | None = None) -> Self:
        """Memberships valid on `on` (today by default); the end date is exclusive."""
        day = on or timezone.localdate()
        return self.filter(Q(starts_on=None) | Q(starts_on__lte=day)).filter(
            Q(ends_on=None) | Q(ends_on__gt=day)
        )


class Membership(models.Model):
    """A person's national or local profile in one school, with functions and validity dates."""

    person = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="memberships"
    )
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="memberships"
    )
    profile = models.CharField(_("profile"), max_length=3, choices=Profile.choices)
    # [{"code": "ENS", "label": "ENSEIGNEMENT", "discipline": "L0422", "discipline_label": "…"}]
    functions = models.JSONField(_("functions"), default=list, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "school", "profile"], name="unique_membership"
            ),
            models.CheckConstraint(
                condition=Q(ends_on=None)
                | Q(starts_on=None)
                | Q(ends_on__gt=models.F("starts_on")),
                name="membership_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["school", "profile"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.profile} @ {self.school_id}"


class SchoolClass(models.Model):
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="classes"
    )
    code = models.CharField(_("code"), max_length=50)
    label = models.CharField(_("label"), max_length=200, blank=True)
    mefs = models.ManyToManyField(Mef, verbose_name=_("MEFs"), blank=True, related_name="+")

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        constraints = [models.UniqueConstraint(fields=["school", "code"], name="unique_class")]

    def __str__(self) -> str:
        return self.label or self.code


class TeachingGroup(models.Model):
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="groups"
    )
    code = models.CharField(_("code"), max_length=50)
    label = models.CharField(_("label"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("teaching group")
        verbose_name_plural = _("teaching groups")
        constraints = [models.UniqueConstraint(fields=["school", "code"], name="unique_group")]

    def __str__(self) -> str:
        return self.label or self.code


class Enrolment(models.Model):
    """A pupil in a class (or, with `teaching_group`, in a teaching group)."""

    pupil = models.ForeignKey(
        User, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="enrolments"
    )
    school_class = models.ForeignKey(
        SchoolClass,
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="enrolments",
    )
    teaching_group = models.ForeignKey(
        TeachingGroup,
        verbose_name=_("teaching group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="enrolments",
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.CheckConstraint(
                condition=Q(school_class=None, teaching_group__isnull=False)
                | Q(school_class__isnull=False, teaching_group=None),
                name="enrolment_class_xor_group",
            ),
            models.UniqueConstraint(
                fields=["pupil", "school_class"], name="unique_class_enrolment"
            ),
            models.UniqueConstraint(
                fields=["pupil", "teaching_group"], name="unique_group_enrolment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil_id} in {self.school_class_id or self.teaching_group_id}"


class TeachingAssignment(models.Model):
    """A teacher teaching a subject to a class or a teaching group."""

    teacher = models.ForeignKey(
        User, verbose_name=_("teacher"), on_delete=models.CASCADE, related_name="assignments"
    )
    school_class = models.ForeignKey(
        SchoolClass,
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    teaching_group = models.ForeignKey(
        TeachingGroup,
        verbose_name=_("teaching group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    subject = models.ForeignKey(
        Subject,
        verbose_name=_("subject"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The subject code as the feed gave it, kept when the subject is not (yet) known.
    subject_code = models.CharField(_("subject code"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("teaching assignment")
        verbose_name_plural = _("teaching assignments")
        constraints = [
            models.CheckConstraint(
                condition=Q(school_class=None, teaching_group__isnull=False)
                | Q(school_class__isnull=False, teaching_group=None),
                name="assignment_class_xor_group",
            ),
            models.UniqueConstraint(
                fields=["teacher", "school_class", "teaching_group", "subject_code"],
                name="unique_assignment",
            ),
        ]

    def __str__(self) -> str:
        division = self.school_class_id or self.teaching_group_id
        return f"{self.teacher_id} teaches {self.subject_code} to {division}"


class HeadTeacher(models.Model):
    """The professeur principal of a class."""

    teacher = models.ForeignKey(
        User, verbose_name=_("teacher"), on_delete=models.CASCADE, related_name="head_of"
    )
    school_class = models.ForeignKey(
        SchoolClass, verbose_name=_("class"), on_delete=models.CASCADE, related_name="head_teachers"
    )

    class Meta:
        verbose_name = _("head teacher")
        verbose_name_plural = _("head teachers")
        constraints = [
            models.UniqueConstraint(fields=["teacher", "school_class"], name="unique_head_teacher")
        ]

    def __str__(self) -> str:
        return f"{self.teacher_id} heads {self.school_class_id}"


class GuardianshipQuerySet(models.QuerySet["Guardianship"]):
    def pending(self) -> Self:
        """Links whose guardian has not arrived in the directory yet."""
        return self.filter(guardian=None)


class Guardianship(models.Model):
    """A guardian of a pupil, with the AAF relation fields.

    The link is keyed by the guardian's joint key so that it exists before the guardian does:
    the AAF sends pupils before their guardians.
    """

    pupil = models.ForeignKey(
        User, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="guardianships"
    )
    guardian = models.ForeignKey(
        User,
        verbose_name=_("guardian"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="wards",
    )
    guardian_key = models.CharField(_("guardian joint key"), max_length=128)
    relationship = models.CharField(_("relationship code"), max_length=4, blank=True)
    is_financial = models.BooleanField(_("financially responsible"), default=False)
    has_legal_authority = models.BooleanField(_("legal authority"), default=False)
    is_contact = models.BooleanField(_("contact"), default=False)
    is_payer = models.BooleanField(_("payer"), default=False)

    objects = GuardianshipQuerySet.as_manager()

    class Meta:
        verbose_name = _("guardianship")
        verbose_name_plural = _("guardianships")
        constraints = [
            models.UniqueConstraint(fields=["pupil", "guardian_key"], name="unique_guardianship")
        ]
        indexes = [models.Index(fields=["guardian_key"])]

    def __str__(self) -> str:
        return f"{self.guardian_key} ({self.relationship}) of {self.pupil_id}"
