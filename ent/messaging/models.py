"""Mail (UTI-CCO-CEL): every member's mailbox, kept by the ENT and read by the webmail and by
standard clients (IMAP, SMTP submission) alike.

A `Message` is written once; each box that holds it has an `Entry` (its folder, IMAP uid and
flags). Sending to a list of 1,000 writes one message and 1,000 entries, in the background.
`Delivery` says, per recipient, what became of a sent message: a message that cannot reach
someone stays in the sender's box with the reason.
"""

from __future__ import annotations

import secrets
from typing import Self

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ent.directory.models import Profile, School, SchoolClass, TeachingGroup, User

SERVICE = "messaging"


def _uid_validity() -> int:
    return secrets.randbelow(2**31 - 1) + 1


class Role(models.TextChoices):
    """The special folders every box has (RFC 6154 special-use names for IMAP)."""

    INBOX = "inbox", _("Inbox")
    SENT = "sent", _("Sent")
    DRAFTS = "drafts", _("Drafts")
    TRASH = "trash", _("Trash")
    JUNK = "junk", _("Junk")
    CUSTOM = "", _("folder")


class FolderQuerySet(models.QuerySet["Folder"]):
    def visible_to(self, user: User) -> Self:
        """A box is private: only its owner sees its folders."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(owner=user)


class Folder(models.Model):
    """A folder of one person's box; `parent` nests them (UTI-CCO-CEL-11)."""

    owner = models.ForeignKey(
        User, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="mail_folders"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent folder"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, blank=True)
    # IMAP (RFC 3501 §2.3.1.1): uids grow within a folder and never come back.
    uid_validity = models.PositiveIntegerField(_("UID validity"), default=_uid_validity)
    uid_next = models.PositiveBigIntegerField(_("next UID"), default=1)
    subscribed = models.BooleanField(_("subscribed"), default=True)

    objects = FolderQuerySet.as_manager()

    class Meta:
        verbose_name = _("mail folder")
        verbose_name_plural = _("mail folders")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "parent", "name"], name="unique_mail_folder_name"
            ),
            models.UniqueConstraint(
                fields=["owner", "name"],
                condition=Q(parent=None),
                name="unique_mail_top_folder_name",
            ),
            models.UniqueConstraint(
                fields=["owner", "role"], condition=~Q(role=""), name="unique_mail_folder_role"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    # Accepted, its recipients are being served in the background.
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent")
    # The antivirus could not scan it: it waits, in the sender's box, for a later scan.
    HELD = "held", _("held until the antivirus can scan it")
    # The antivirus found a virus: nobody receives it; the sender's copy says why.
    QUARANTINED = "quarantined", _("quarantined")
    # Received from outside (or from a standard client) and filed.
    RECEIVED = "received", _("received")


class Message(models.Model):
    """One message, as written by its sender; shared by every box that holds it."""

    # RFC 5322 Message-ID, without the angle brackets.
    message_id = models.CharField(_("message id"), max_length=255, db_index=True)
    # The ENT member who wrote it; None for mail that came from outside.
    author = models.ForeignKey(
        User,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sender_address = models.CharField(_("sender address"), max_length=254)
    sender_name = models.CharField(_("sender name"), max_length=200, blank=True)
    to = models.JSONField(_("to"), default=list, blank=True)  # ["a@x", "list:class-3-pupils"]
    cc = models.JSONField(_("cc"), default=list, blank=True)
    bcc = models.JSONField(_("bcc"), default=list, blank=True)  # shown to the author only
    # Where the ENT delivers it: the recipients' tokens for a message written in the ENT (to, cc
    # and bcc), the accepted envelope recipients for mail from the relay (SMTP RCPT TO).
    envelope = models.JSONField(_("envelope recipients"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    body_html = models.TextField(_("body (HTML, cleaned)"), blank=True)
    body_text = models.TextField(_("body (text)"), blank=True)
    in_reply_to = models.CharField(_("in reply to"), max_length=255, blank=True)
    # Headers that change how the ENT treats it: List-Id, Precedence, Auto-Submitted, Reply-To.
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    receipt_requested = models.BooleanField(_("delivery receipt requested"), default=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    status_reason = models.TextField(_("reason"), blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return self.subject or self.message_id


class ScanStatus(models.TextChoices):
    PENDING = "pending", _("waiting for the antivirus")
    CLEAN = "clean", _("clean")
    INFECTED = "infected", _("infected")
    UNSCANNED = "unscanned", _("not scanned (no antivirus configured)")


class Attachment(models.Model):
    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="mail/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=200)
    size = models.PositiveIntegerField(_("size in bytes"))
    scan = models.CharField(
        _("antivirus"), max_length=10, choices=ScanStatus.choices, default=ScanStatus.PENDING
    )
    scan_detail = models.CharField(_("antivirus finding"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class MailEntryQuerySet(models.QuerySet["Entry"]):
    def visible_to(self, user: User) -> Self:
        """A person sees the entries of their own box, nothing else."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(owner=user)


class Entry(models.Model):
    """A message in one folder of one box, with its IMAP uid and flags."""

    owner = models.ForeignKey(
        User, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="mail_entries"
    )
    folder = models.ForeignKey(
        Folder, verbose_name=_("folder"), on_delete=models.CASCADE, related_name="entries"
    )
    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="entries"
    )
    uid = models.PositiveBigIntegerField(_("UID"))
    seen = models.BooleanField(_("read"), default=False)
    flagged = models.BooleanField(_("flagged"), default=False)
    answered = models.BooleanField(_("answered"), default=False)
    deleted = models.BooleanField(_("marked for deletion"), default=False)
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)

    objects = MailEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("mailbox entry")
        verbose_name_plural = _("mailbox entries")
        constraints = [models.UniqueConstraint(fields=["folder", "uid"], name="unique_mail_uid")]
        indexes = [
            models.Index(fields=["folder", "-filed_at"], name="mail_entry_folder_date"),
            # A search runs over one person's whole box, newest first (bench/mail.py).
            models.Index(fields=["owner", "-filed_at", "-id"], name="mail_entry_owner_date"),
        ]

    def __str__(self) -> str:
        return f"{self.folder_id}/{self.uid}"


class DeliveryStatus(models.TextChoices):
    DELIVERED = "delivered", _("delivered")
    RELAYED = "relayed", _("handed to the académie's relay")
    REFUSED = "refused", _("refused")
    FAILED = "failed", _("failed")


class Delivery(models.Model):
    """What became of a sent message for one recipient (UTI-CCO-CEL-08 delivery receipts)."""

    message = models.ForeignKey(
        Message, verbose_name=_("message"), on_delete=models.CASCADE, related_name="deliveries"
    )
    address = models.CharField(_("address"), max_length=254)
    recipient = models.ForeignKey(
        User,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=10, choices=DeliveryStatus.choices)
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["message", "status"])]

    def __str__(self) -> str:
        return f"{self.address}: {self.status}"


class Alias(models.Model):
    """An extra address delivering to a person's box (UTI-CCO-CEL-16)."""

    owner = models.ForeignKey(
        User, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="mail_aliases"
    )
    address = models.CharField(_("address"), max_length=254, unique=True)

    class Meta:
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")

    def __str__(self) -> str:
        return self.address


class AutoReply(models.Model):
    """A person's out-of-office answer and its window (UTI-CCO-CEL-13)."""

    owner = models.OneToOneField(
        User, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="mail_auto_reply"
    )
    enabled = models.BooleanField(_("enabled"), default=False)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until (inclusive)"))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))

    class Meta:
        verbose_name = _("out-of-office answer")
        verbose_name_plural = _("out-of-office answers")

    def __str__(self) -> str:
        return f"{self.owner_id} {self.starts_on} to {self.ends_on}"


class AutoReplySent(models.Model):
    """One out-of-office answer to one correspondent on one day (UTI-CCO-CEL-14)."""

    owner = models.ForeignKey(
        User, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="+"
    )
    correspondent = models.CharField(_("correspondent"), max_length=254)
    on = models.DateField(_("on"))

    class Meta:
        verbose_name = _("out-of-office answer sent")
        verbose_name_plural = _("out-of-office answers sent")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "correspondent", "on"], name="unique_auto_reply_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner_id} → {self.correspondent} {self.on}"


class BlockedSender(models.Model):
    """An address whose mail a person no longer receives (UTI-CCO-CEL-12)."""

    owner = models.ForeignKey(
        User, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="mail_blocked"
    )
    address = models.CharField(_("address or @domain"), max_length=254)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("blocked sender")
        verbose_name_plural = _("blocked senders")
        constraints = [
            models.UniqueConstraint(fields=["owner", "address"], name="unique_blocked_sender")
        ]

    def __str__(self) -> str:
        return self.address


class ExternalPolicy(models.Model):
    """Who of a school may exchange mail with the outside, and with whom (UTI-CCO-CEL-05, -06).

    A rule applies to a profile, a class, a teaching group or one person of the school. A person
    whom an `internal_only` rule reaches exchanges mail inside the ENT only, except with the
    domains and addresses that some rule reaching them allows.
    """

    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+"
    )
    profile = models.CharField(_("profile"), max_length=3, choices=Profile.choices, blank=True)
    school_class = models.ForeignKey(
        SchoolClass,
        verbose_name=_("class"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    teaching_group = models.ForeignKey(
        TeachingGroup,
        verbose_name=_("teaching group"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    person = models.ForeignKey(
        User,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    internal_only = models.BooleanField(_("internal mail only"), default=False)
    # Domains ("ac-exemple.fr") and addresses ("corres@partenaire.es") allowed despite the rule.
    allowed = models.JSONField(_("allowed domains and addresses"), default=list, blank=True)
    changed_by = models.ForeignKey(
        User, verbose_name=_("changed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("external mail rule")
        verbose_name_plural = _("external mail rules")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(profile="", school_class=None, teaching_group=None, person__isnull=False)
                    | Q(profile="", school_class=None, teaching_group__isnull=False, person=None)
                    | Q(profile="", school_class__isnull=False, teaching_group=None, person=None)
                    | (~Q(profile="") & Q(school_class=None, teaching_group=None, person=None))
                ),
                name="external_policy_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.school_id}: {'internal' if self.internal_only else 'allow'}"


class Forwarding(models.Model):
    """Automatic forwarding of a staff member's mail to an authorised address (UTI-CCO-CEL-04)."""

    owner = models.OneToOneField(
        User, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="mail_forwarding"
    )
    address = models.CharField(_("forward to"), max_length=254)
    keep_copy = models.BooleanField(_("keep a copy in the ENT box"), default=True)

    class Meta:
        verbose_name = _("forwarding")
        verbose_name_plural = _("forwardings")

    def __str__(self) -> str:
        return self.address


class PersonalList(models.Model):
    """A distribution list a person made for themselves (UTI-CCO-EEC-14)."""

    owner = models.ForeignKey(
        User, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="mail_lists"
    )
    name = models.CharField(_("name"), max_length=100)
    members = models.ManyToManyField(User, verbose_name=_("members"), related_name="+")

    class Meta:
        verbose_name = _("personal list")
        verbose_name_plural = _("personal lists")
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="unique_personal_list")
        ]

    def __str__(self) -> str:
        return self.name


class Signature(models.Model):
    """The text added below each message a person writes (CEL editor, automatic signature)."""

    owner = models.OneToOneField(
        User, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="mail_signature"
    )
    body_html = models.TextField(_("signature"), blank=True)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")

    def __str__(self) -> str:
        return str(self.owner_id)
