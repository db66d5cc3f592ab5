"""Common positions and joint statements (priorities h and i of the Terms of Reference).

A position is drafted by its lead agency, put to consultation (every agency comments on a
version of its text, until a comment deadline), then to endorsement (each member agency's
head endorses or declines, until an endorsement deadline), and is finally adopted and
published, or withdrawn. Its text is never changed in place: every change is a new
PositionVersion, so that a comment always reads against the text it was made on and any
two versions can be compared.
"""

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.search import filter_words


class PositionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """What this person may read: nothing for a visitor not signed in; a draft only for
        its lead agency and the secretariat (until it is put to consultation, it is the lead's
        work in progress); everything else for everyone signed in."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_secretariat:
            return self
        shared = Q(consultation_opened_at__isnull=False)
        if user.agency_id:
            shared |= Q(lead_agency_id=user.agency_id)
        return self.filter(shared)

    def with_list_relations(self):
        return self.select_related("lead_agency", "current_version").prefetch_related("priorities")

    def with_endorsement_counts(self):
        """Each position's endorsements counted by answer, in the same query (GROUP BY)."""
        Status = Endorsement.Status
        return self.annotate(
            endorsed_count=Count(
                "endorsements", filter=Q(endorsements__status=Status.ENDORSED), distinct=True
            ),
            declined_count=Count(
                "endorsements", filter=Q(endorsements__status=Status.DECLINED), distinct=True
            ),
            pending_count=Count(
                "endorsements", filter=Q(endorsements__status=Status.PENDING), distinct=True
            ),
        )

    def under_priority(self, priority):
        return self.filter(priorities=priority)

    def search(self, text):
        """Positions matching every word of `text` (common.search's syntax): in the title,
        the summary or the current text, or the lead agency's acronym. Word by word: there
        are few positions, and no full-text index is worth keeping for them."""
        return filter_words(self, text, _position_word)

    def awaiting_endorsement_by(self, agency):
        """In endorsement, with `agency`'s answer still to come."""
        pending = Endorsement.objects.filter(
            position=OuterRef("pk"), agency_id=agency.pk, status=Endorsement.Status.PENDING
        )
        return self.filter(Exists(pending), status=Position.Status.ENDORSEMENT)

    def comments_due_from(self, agency, today, until):
        """In consultation, the comment deadline between `today` and `until` (both
        included), led by another agency, and `agency` has not commented on the text under
        consultation yet (its current version)."""
        commented = PositionComment.objects.filter(
            position=OuterRef("pk"), agency_id=agency.pk, version=OuterRef("current_version")
        )
        return (
            self.filter(
                status=Position.Status.CONSULTATION,
                comment_deadline__gte=today,
                comment_deadline__lte=until,
            )
            .exclude(lead_agency_id=agency.pk)
            .exclude(Exists(commented))
        )

    def ready_to_adopt(self, today):
        """In endorsement, at least one agency endorsed, and either every agency answered or
        the endorsement deadline has passed (see services.adoption_blockers)."""
        Status = Endorsement.Status
        endorsed = Endorsement.objects.filter(position=OuterRef("pk"), status=Status.ENDORSED)
        pending = Endorsement.objects.filter(position=OuterRef("pk"), status=Status.PENDING)
        return self.filter(
            Exists(endorsed),
            Q(endorsement_deadline__lt=today) | ~Exists(pending),
            status=Position.Status.ENDORSEMENT,
        )


class Position(models.Model):
    class Kind(models.TextChoices):
        POSITION = "position", _("Common position")
        STATEMENT = "statement", _("Joint statement")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CONSULTATION = "consultation", _("In consultation")
        ENDORSEMENT = "endorsement", _("In endorsement")
        ADOPTED = "adopted", _("Adopted and published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # While these last, the lead agency may still change the text.
    EDITABLE_STATUSES = (Status.DRAFT, Status.CONSULTATION)
    OPEN_STATUSES = (Status.DRAFT, Status.CONSULTATION, Status.ENDORSEMENT)

    title = models.CharField(_("title"), max_length=250)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.POSITION)
    summary = models.TextField(
        _("summary"), blank=True, help_text=_("What it says and why, in a few lines.")
    )
    lead_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("lead agency"),
        on_delete=models.PROTECT,
        related_name="led_positions",
    )
    priorities = models.ManyToManyField(
        "priorities.Priority", verbose_name=_("priorities"), related_name="positions"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    # Kept by the services: the latest of `versions`, read by every page that shows the text.
    current_version = models.ForeignKey(
        "PositionVersion",
        verbose_name=_("current version"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    comment_deadline = models.DateField(_("comment deadline"), null=True, blank=True)
    endorsement_deadline = models.DateField(_("endorsement deadline"), null=True, blank=True)
    # When the stages opened: a position once put to consultation stays readable by all.
    consultation_opened_at = models.DateTimeField(_("consultation opened"), null=True, blank=True)
    endorsement_opened_at = models.DateTimeField(_("endorsement opened"), null=True, blank=True)
    adopted_at = models.DateTimeField(_("adopted"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PositionQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "pk"]
        verbose_name = _("common position")
        verbose_name_plural = _("common positions")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="consultation") | Q(comment_deadline__isnull=False),
                name="position_consultation_has_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(status="endorsement") | Q(endorsement_deadline__isnull=False),
                name="position_endorsement_has_deadline",
            ),
            models.CheckConstraint(
                condition=~Q(status="adopted") | Q(adopted_at__isnull=False),
                name="position_adopted_has_date",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "withdrawn"])
                | Q(consultation_opened_at__isnull=False),
                name="position_past_draft_was_consulted",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("positions:detail", args=[self.pk])

    @property
    def is_editable(self):
        return self.status in self.EDITABLE_STATUSES

    @property
    def stage_deadline(self):
        """The deadline of the stage it is in, if that stage has one."""
        if self.status == self.Status.CONSULTATION:
            return self.comment_deadline
        if self.status == self.Status.ENDORSEMENT:
            return self.endorsement_deadline
        return None


class PositionVersionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableVersionError


class ImmutableVersionError(Exception):
    """A saved version of a position's text cannot change: save a new version instead."""


class PositionVersion(models.Model):
    """One state of a position's text, never changed once saved.

    The model refuses a second save and a queryset update; on PostgreSQL a trigger
    (migration 0001) refuses an UPDATE from anywhere else too.
    """

    position = models.ForeignKey(
        Position, verbose_name=_("position"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("text"))
    change_note = models.CharField(
        _("what changed"),
        max_length=500,
        blank=True,
        help_text=_("What changed since the previous version, and why."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)

    objects = PositionVersionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "-number"]
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        constraints = [
            models.UniqueConstraint(
                fields=["position", "number"], name="one_version_number_per_position"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="version_numbers_from_one"),
        ]

    def __str__(self):
        return f"{self.position} (v{self.number})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableVersionError
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("positions:version", args=[self.position_id, self.number])


class PositionComment(models.Model):
    """A comment on one version of a position's text, for an agency (or the secretariat);
    a reply hangs under the comment that starts its thread, on the same version."""

    position = models.ForeignKey(
        Position, verbose_name=_("position"), on_delete=models.CASCADE, related_name="comments"
    )
    version = models.ForeignKey(
        PositionVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        related_name="comments",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("in reply to"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
    )
    # The author's agency when they wrote it; blank for the secretariat.
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self):
        return self.text[:60]


class EndorsementQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=Endorsement.Status.PENDING)


class Endorsement(models.Model):
    """A member agency's answer to a position put to endorsement, given by its head.

    One row per agency active when the endorsement opened, pending until answered: the
    agencies that have not answered are the pending rows.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Not answered yet")
        ENDORSED = "endorsed", _("Endorsed")
        DECLINED = "declined", _("Declined")

    position = models.ForeignKey(
        Position,
        verbose_name=_("position"),
        on_delete=models.CASCADE,
        related_name="endorsements",
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="position_endorsements",
    )
    status = models.CharField(
        _("answer"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    # The text answered on (the text does not change during endorsement; kept to be sure).
    version = models.ForeignKey(
        PositionVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    # Set by the daily reminder when it claims the row, so that a head is reminded once.
    reminded_at = models.DateTimeField(_("reminded on"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked on"), auto_now_add=True)

    objects = EndorsementQuerySet.as_manager()

    class Meta:
        ordering = ["agency__acronym"]
        verbose_name = _("endorsement")
        verbose_name_plural = _("endorsements")
        constraints = [
            models.UniqueConstraint(
                fields=["position", "agency"], name="one_endorsement_per_agency"
            ),
            models.CheckConstraint(
                condition=Q(status="pending", answered_at__isnull=True)
                | (~Q(status="pending") & Q(answered_at__isnull=False)),
                name="endorsement_answer_has_a_date",
            ),
        ]

    def __str__(self):
        return f"{self.agency} on {self.position}: {self.get_status_display()}"


class PositionEvent(models.Model):
    """One step of a position's history, written by the service that made it."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Drafted")
        EDITED = "edited", _("Details edited")
        REVISED = "revised", _("New version of the text")
        DEADLINE = "deadline", _("Deadline changed")
        TRANSITIONED = "transitioned", _("Stage changed")
        ENDORSED = "endorsed", _("Endorsed")
        DECLINED = "declined", _("Declined to endorse")

    position = models.ForeignKey(
        Position, verbose_name=_("position"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    version = models.ForeignKey(
        PositionVersion,
        verbose_name=_("version"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # The agency answering; blank for the other kinds.
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    from_status = models.CharField(
        _("from stage"), max_length=20, choices=Position.Status.choices, blank=True
    )
    to_status = models.CharField(
        _("to stage"), max_length=20, choices=Position.Status.choices, blank=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    # Set by the notification task when it claims the event (a conditional UPDATE), so a
    # task delivered twice emails nobody twice.
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("position event")
        verbose_name_plural = _("position events")

    def __str__(self):
        return f"{self.position}: {self.get_kind_display()}"


def _position_word(word):
    """The condition for one search word (see PositionQuerySet.search)."""
    return (
        Q(title__icontains=word)
        | Q(summary__icontains=word)
        | Q(current_version__text__icontains=word)
        | Q(lead_agency__acronym__iexact=word)
    )
