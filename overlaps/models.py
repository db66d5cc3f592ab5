"""Flags on pairs of activities of different agencies that may duplicate each other."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class FlagQuerySet(models.QuerySet):
    def involving(self, activity):
        return self.filter(Q(activity_a=activity) | Q(activity_b=activity))

    def involving_agency(self, agency):
        return self.filter(Q(activity_a__agency=agency) | Q(activity_b__agency=agency))

    def open(self):
        return self.filter(status=OverlapFlag.Status.OPEN)

    def decided(self):
        return self.exclude(status__in=[OverlapFlag.Status.OPEN, OverlapFlag.Status.JOINT])

    def exportable(self, threshold):
        """Pairs at or above `threshold` (the calibration's), plus every decided pair."""
        return self.filter(
            Q(score__gte=threshold) | Q(status__in=[s.value for s in OverlapFlag.DECISIONS])
        )

    def with_pair(self):
        return self.select_related("activity_a__agency", "activity_b__agency", "decided_by")


class OverlapFlag(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CONFIRMED = "confirmed", _("Confirmed duplication")
        COMPLEMENTARY = "complementary", _("Complementary")
        NOT_RELATED = "not_related", _("Not related")
        JOINT = "joint", _("Joint work")

    DECISIONS = (Status.CONFIRMED, Status.COMPLEMENTARY, Status.NOT_RELATED)

    # Stored once per pair, with the lower activity id first.
    activity_a = models.ForeignKey(
        "activities.Activity", on_delete=models.CASCADE, related_name="+"
    )
    activity_b = models.ForeignKey(
        "activities.Activity", on_delete=models.CASCADE, related_name="+"
    )
    score = models.FloatField(_("score"))
    reasons = models.JSONField(_("reasons"), default=dict)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    # What both activities looked like when the pair was decided: a dismissed pair
    # comes back only if one of them changes materially.
    decided_fingerprint = models.CharField(max_length=64, blank=True)
    decision_note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Raised by every change to the decision (a decision, a joint initiative, a re-scan that
    # reopens the pair or turns it into joint work), so that a decision taken on a page
    # loaded before it is refused instead of silently replacing it. Comments leave it alone.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    scored_at = models.DateTimeField(auto_now=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["-score", "pk"]
        verbose_name = _("overlap flag")
        verbose_name_plural = _("overlap flags")
        constraints = [
            models.UniqueConstraint(fields=["activity_a", "activity_b"], name="flag_pair_unique"),
            models.CheckConstraint(
                condition=Q(activity_a__lt=F("activity_b")), name="flag_pair_ordered"
            ),
        ]
        indexes = [models.Index(fields=["status", "-score"], name="flag_queue_idx")]

    def __str__(self):
        return f"{self.activity_a_id} ~ {self.activity_b_id} ({self.score:.2f})"

    def get_absolute_url(self):
        return reverse("overlaps:flag-detail", args=[self.pk])


class FlagComment(models.Model):
    flag = models.ForeignKey(OverlapFlag, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self):
        return self.text[:60]


class ScoreCalibration(models.Model):
    """Weights and threshold refitted on the secretariat's decisions (refit_overlap_weights)."""

    weights = models.JSONField(_("weights"))
    threshold = models.FloatField(_("threshold"))
    decisions = models.PositiveIntegerField(_("decisions used"))
    fitted_at = models.DateTimeField(_("fitted at"), auto_now_add=True)

    class Meta:
        ordering = ["-fitted_at", "-pk"]
        verbose_name = _("score calibration")
        verbose_name_plural = _("score calibrations")
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__gte=0) & Q(threshold__lte=1),
                name="calibration_threshold_in_unit_interval",
            ),
        ]

    def __str__(self):
        return f"{self.fitted_at:%Y-%m-%d %H:%M} (threshold {self.threshold:.2f})"
