"""The personal address book (UTI-IDO-CAD) and the words people write about themselves (PBL-02).

An entry taken from the directory keeps only its link to the person (and the owner's note): the
address book shows that person's name, function and details as they are now and as far as the
owner may see them (CAD-02, PBL-04), never a copy that would outlive the person's choices or the
purge of their data.
"""

from __future__ import annotations

from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ent.directory.models import User


class ContactQuerySet(models.QuerySet["Contact"]):
    def visible_to(self, user: User) -> Self:
        """Entries of `user`'s own address book: nobody else reads it."""
        return self.filter(owner=user)


class Contact(models.Model):
    """One entry of a person's address book: a directory person, or a free entry."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("directory person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    function = models.CharField(_("function"), max_length=200, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    email_other = models.EmailField(_("other e-mail"), blank=True)
    phone_work = models.CharField(_("work phone"), max_length=40, blank=True)
    phone_mobile = models.CharField(_("mobile phone"), max_length=40, blank=True)
    phone_home = models.CharField(_("home phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "person"],
                condition=Q(person__isnull=False),
                name="addressbook_contact_once",
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False)
                | ~Q(last_name="")
                | ~Q(first_name="")
                | ~Q(organisation=""),
                name="addressbook_contact_named",
            ),
        ]
        indexes = [models.Index(fields=["owner", "last_name"], name="addressbook_contact_owner")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """Name the entry as its owner reads it."""
        return f"{self.first_name} {self.last_name}".strip() or self.organisation


class Presentation(models.Model):
    """A few words a person writes about themselves, shown to everyone who may see them."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    about = models.TextField(_("about me"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("presentation")
        verbose_name_plural = _("presentations")

    def __str__(self) -> str:
        return f"{self.person_id}: {self.about[:40]}"


def contact_label(name: str) -> str:
    """Return the translated label of a Contact field."""
    return str(getattr(Contact._meta.get_field(name), "verbose_name", name))
