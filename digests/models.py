"""Who gets the weekly digest, and every digest claimed, sent, skipped or failed."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Every week")
    BIWEEKLY = "biweekly", _("Every two weeks")
    NEVER = "never", _("Never")


class DigestPreference(models.Model):
    """A person's choice. Without a row, heads of agencies get it weekly and others never."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_preference"
    )
    frequency = models.CharField(
        _("how often"), max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    # Part of every unsubscribe link (digests/tokens.py), raised when the person subscribes
    # again: the links in digests sent before they left stop working, so an old email
    # forwarded or left in a shared mailbox cannot unsubscribe them a second time.
    unsubscribe_generation = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("digest preference")
        verbose_name_plural = _("digest preferences")

    def __str__(self):
        return f"{self.user}: {self.get_frequency_display()}"


class DeliveryQuerySet(models.QuerySet):
    def for_week(self, year, week):
        return self.filter(iso_year=year, iso_week=week)

    def pending(self):
        return self.filter(status=DigestDelivery.Status.PENDING)

    def readable_by(self, user):
        if user.is_secretariat:
            return self
        return self.filter(recipient=user)


class DigestDelivery(models.Model):
    """One digest for one person in one ISO week.

    The row is the claim: it is created, under the unique constraint, before anything is
    sent, so a second run, beat, worker or retry finds it and sends nothing.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        # Held by exactly one job between its conditional UPDATE (pending -> sending) and the
        # SMTP server's answer; a stale one (the worker died) goes back to pending after a lease.
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        EMPTY = "empty", _("Nothing to say")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_deliveries"
    )
    iso_year = models.PositiveSmallIntegerField()
    iso_week = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    language = models.CharField(max_length=10, default="en")
    subject = models.CharField(max_length=255, blank=True)
    text_body = models.TextField(blank=True)
    html_body = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-iso_year", "-iso_week", "recipient_id"]
        verbose_name = _("digest delivery")
        verbose_name_plural = _("digest deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "iso_year", "iso_week"], name="one_digest_per_person_week"
            ),
            models.CheckConstraint(
                condition=Q(iso_week__gte=1) & Q(iso_week__lte=53), name="digest_iso_week_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "iso_year", "iso_week"], name="digest_status_idx")
        ]

    def __str__(self):
        return f"{self.recipient} {self.iso_year}-W{self.iso_week:02d} ({self.status})"

    def get_absolute_url(self):
        return reverse("digests:detail", args=[self.pk])

    @property
    def week_label(self):
        return f"{self.iso_year}-W{self.iso_week:02d}"
