"""Flags on pairs of activities of different agencies that may duplicate each other."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Abs, Length
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# Both activities of the pair still in the register (neither withdrawn). A join to the
# activities does not pass through `Activity.objects`, which hides withdrawn ones.
BOTH_ALIVE = Q(activity_a__deleted_at__isnull=True, activity_b__deleted_at__isnull=True)

# The name under which counts of the pairs are kept in the cache (common.tallies). Every
# write to the flags moves it on: a scan's or a check's (services.sync_flags), a decision
# and a pair made an initiative (review). Which pairs are alive depends on the activities'
# withdrawals, which move the register's version (activities.models.REGISTER): a count of
# pairs is kept under both.
PAIRS = "pairs"


class FlagQuerySet(models.QuerySet):
    def both_alive(self):
        return self.filter(BOTH_ALIVE)

    def with_withdrawn_side(self):
        return self.exclude(BOTH_ALIVE)

    def involving(self, activity):
        return self.filter(Q(activity_a=activity) | Q(activity_b=activity))

    def involving_agency(self, agency):
        return self.filter(Q(activity_a__agency=agency) | Q(activity_b__agency=agency))

    def open(self):
        """To review: open, and neither activity withdrawn (such a pair leaves the queue
        until the activity is restored; its comments stay on its page)."""
        return self.filter(BOTH_ALIVE, status=OverlapFlag.Status.OPEN)

    def joint_work(self):
        """Joint work: labelled so by a scan (partners, one initiative) or decided so."""
        return self.filter(status=OverlapFlag.Status.JOINT)

    def decided_apart(self):
        """Decided as anything but joint work: the queue's "Decided" tab."""
        return self.filter(status__in=OverlapFlag.DECIDED_APART)

    def decided(self):
        """Every pair the secretariat decided, joint work included (not a scan's label)."""
        return self.exclude(status=OverlapFlag.Status.OPEN).exclude(
            status=OverlapFlag.Status.JOINT, decided_at__isnull=True
        )

    def learned_from(self):
        """The decisions the score is refitted on (`learning.fit_weights`): confirmed,
        complementary and not related. Joint work says who works with whom, not whether
        two texts describe the same work."""
        return self.decided().filter(status__in=OverlapFlag.DECIDED_APART)

    def nearest_threshold(self, threshold):
        """Least certain first: by how far the score is from `threshold`, either side."""
        return self.annotate(uncertainty=Abs(F("score") - threshold)).order_by(
            "uncertainty", "-score", "pk"
        )

    def exportable(self, threshold):
        """Pairs at or above `threshold` (the calibration's), plus every decided pair."""
        return self.filter(
            Q(score__gte=threshold)
            | Q(status__in=OverlapFlag.DECIDED_APART)
            | Q(status=OverlapFlag.Status.JOINT, decided_at__isnull=False)
        )

    def with_pair(self):
        return self.select_related(
            "activity_a__agency", "activity_b__agency", "decided_by", "initiative"
        )


class OverlapFlag(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CONFIRMED = "confirmed", _("Confirmed duplication")
        COMPLEMENTARY = "complementary", _("Complementary")
        NOT_RELATED = "not_related", _("Not related")
        JOINT = "joint", _("Joint work")

    # What the secretariat may decide. "Joint work" is also the label a scan gives to
    # partners' work and to one initiative's activities; only a decision (decided_at set)
    # makes it survive re-scans.
    DECISIONS = (Status.CONFIRMED, Status.COMPLEMENTARY, Status.NOT_RELATED, Status.JOINT)
    DECIDED_APART = (Status.CONFIRMED, Status.COMPLEMENTARY, Status.NOT_RELATED)
    # A joint initiative is made only from a pair decided as one of these.
    MAKE_INITIATIVE = (Status.CONFIRMED, Status.JOINT)

    # Stored once per pair, with the lower activity id first.
    # PROTECT: a pair, its decision and its comments belong to both agencies and the
    # secretariat; an activity is withdrawn (soft-deleted), never removed from under them.
    activity_a = models.ForeignKey(
        "activities.Activity", on_delete=models.PROTECT, related_name="+"
    )
    activity_b = models.ForeignKey(
        "activities.Activity", on_delete=models.PROTECT, related_name="+"
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
    # The joint initiative made from this pair. One column, so a pair has at most one; the
    # service sets it only while it is empty (a conditional UPDATE under the row lock), so
    # a second click or a concurrent request finds it and makes no other. Unique: an
    # initiative comes from one pair. Deleting the initiative empties it.
    initiative = models.OneToOneField(
        "initiatives.JointInitiative",
        verbose_name=_("joint initiative"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="source_flag",
    )
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

    @property
    def is_decided(self):
        """Decided by the secretariat (a scan's "joint work" label is not a decision)."""
        if self.status == self.Status.OPEN:
            return False
        return self.status != self.Status.JOINT or self.decided_at is not None

    @property
    def withdrawn_sides(self):
        """The pair's activities that were withdrawn, for the page and the CSV to say so."""
        return [a for a in (self.activity_a, self.activity_b) if a.deleted_at is not None]

    @property
    def similarity(self):
        """The one similarity figure people see: the score as a whole percentage."""
        return round(self.score * 100)


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


class CalibrationQuerySet(models.QuerySet):
    def in_force(self):
        """Refits kept: a refused one is recorded for its figures, never scored with."""
        return self.filter(applied=True)


class ScoreCalibration(models.Model):
    """Weights and threshold refitted on the secretariat's decisions.

    Written by `refit_overlap_weights --apply`, and every OVERLAP_REFIT_EVERY decisions by
    `services.refit_from_decisions`, which keeps a refit only if it agrees with the
    decisions it held out at least as well as the calibration in force; a refused refit is
    kept too (applied false, with a note), so that the history shows it and the next one
    waits for new decisions.
    """

    weights = models.JSONField(_("weights"))
    threshold = models.FloatField(_("threshold"))
    decisions = models.PositiveIntegerField(_("decisions used"))
    fitted_at = models.DateTimeField(_("fitted at"), auto_now_add=True)
    applied = models.BooleanField(_("applied"), default=True)
    # Decisions taken after this moment are new to the next refit. Read before the fit, so
    # that a decision recorded while it ran is not taken as seen. Empty: `fitted_at`.
    decided_until = models.DateTimeField(_("decisions read at"), null=True, blank=True)
    heldout = models.PositiveIntegerField(_("decisions held out"), default=0)
    # The share of the held-out decisions each calibration agrees with (empty for a refit
    # made by the command, which holds nothing out).
    agreement_before = models.FloatField(_("agreement before"), null=True, blank=True)
    agreement_after = models.FloatField(_("agreement after"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = CalibrationQuerySet.as_manager()

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


class PairEventQuerySet(models.QuerySet):
    def concerning(self, user):
        """Events about pairs this person hears of: as a focal point of either agency, or
        as the contact of either activity (the rule `notifications.recipients` follows)."""
        from agencies.models import Role

        about = Q(flag__activity_a__contact_email__iexact=user.email) | Q(
            flag__activity_b__contact_email__iexact=user.email
        )
        if user.role == Role.FOCAL_POINT and user.agency_id:
            about |= Q(flag__activity_a__agency_id=user.agency_id) | Q(
                flag__activity_b__agency_id=user.agency_id
            )
        return self.filter(about).exclude(actor=user)

    def not_emailed_to(self, user):
        """Events no email was sent for to this person at once ("in my digest only", or
        a send that failed): what a digest should tell them."""
        emailed = PairNotification.objects.filter(
            email__iexact=user.email, status=PairNotification.Status.SENT
        ).values("event_id")
        return self.exclude(pk__in=emailed)

    def for_digest(self, user, start=None, end=None):
        """The hook for the digest: events of [start, end) this person was not emailed."""
        events = self.concerning(user).not_emailed_to(user)
        if start is not None:
            events = events.filter(created_at__gte=start)
        if end is not None:
            events = events.filter(created_at__lt=end)
        return events.select_related(
            "flag__activity_a__agency", "flag__activity_b__agency", "actor", "comment"
        ).order_by("created_at", "pk")


class PairEvent(models.Model):
    """Something the people of a pair are told about: a decision, a comment, an initiative.

    Written in the transaction of the change; the email goes out from the worker
    (`overlaps.tasks.notify_pair_event`, through the outbox) after commit.
    """

    class Kind(models.TextChoices):
        DECISION = "decision", _("Decision")
        COMMENT = "comment", _("Comment")
        INITIATIVE = "initiative", _("Joint initiative")
        WITHDRAWN = "withdrawn", _("Activity withdrawn")
        RESTORED = "restored", _("Activity restored")

    flag = models.ForeignKey(OverlapFlag, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.ForeignKey(
        FlagComment, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The decision as it was when it was taken: a later one must not rewrite this email.
    status = models.CharField(
        _("decision"), max_length=20, choices=OverlapFlag.Status.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    initiative = models.ForeignKey(
        "initiatives.JointInitiative",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PairEventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("pair event")
        verbose_name_plural = _("pair events")
        indexes = [models.Index(fields=["created_at"], name="pair_event_created_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.flag_id}"


class PairNotification(models.Model):
    """One email about one event to one address.

    The unique key is what makes the task idempotent: a redelivered task finds the row
    and sends nothing twice. A row is claimed (pending -> sending) by a conditional
    UPDATE before the email goes, so two deliveries running at once send it once; a row
    left "sending" by a worker that died is not sent again (one missed email rather than
    a risk of two), and its event stays in the person's digest (`for_digest`).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    event = models.ForeignKey(PairEvent, on_delete=models.CASCADE, related_name="notifications")
    email = models.EmailField(_("email address"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("pair notification")
        verbose_name_plural = _("pair notifications")
        constraints = [
            models.UniqueConstraint(fields=["event", "email"], name="pair_notification_once"),
        ]

    def __str__(self):
        return f"{self.email}: {self.get_status_display()}"


class ActivityEmbedding(models.Model):
    """An activity's sentence embedding, kept so that a scan never recomputes it.

    Derived data: a function of the activity's title and description and of the model
    (``version``), recomputed when ``text_hash`` no longer matches the text (see
    ``overlaps.engine.semantic``). float16, 384 numbers: 768 bytes.
    """

    activity = models.OneToOneField(
        "activities.Activity",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="embedding",
    )
    version = models.CharField(_("model version"), max_length=64)
    text_hash = models.CharField(_("text hash"), max_length=64)
    vector = models.BinaryField(_("vector"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("activity embedding")
        verbose_name_plural = _("activity embeddings")
        constraints = [
            # 384 float16 numbers: a vector of another size is another model's.
            models.CheckConstraint(
                condition=Exact(Length("vector"), 768), name="embedding_vector_is_384_float16"
            ),
        ]

    def __str__(self):
        return f"{self.activity_id} ({self.version})"
