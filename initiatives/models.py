from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.search import filter_words
from common.softdelete import AliveManager, SoftDeleteQuerySet

# The name under which what is counted of the initiatives (who takes part in which) is kept
# in the cache (common.tallies): every write through the services records an event
# (services._record), which moves it on.
INITIATIVES = "initiatives"


class JointInitiativeQuerySet(SoftDeleteQuerySet):
    def with_list_relations(self):
        return self.select_related("lead_agency").prefetch_related(
            "participating_agencies", "priorities"
        )

    def under_priority(self, priority):
        return self.filter(priorities=priority)

    def with_participant(self, agency):
        """Initiatives `agency` takes part in, as their pages list them: leading it, or
        having accepted its invitation (an agency invited and not answered, or that
        declined, does not)."""
        return self.filter(participating_agencies=agency)

    def in_region(self, region):
        """Initiatives with a linked activity in `region`, counted as the activity list
        counts an activity in a region (Region.place_condition)."""
        placed = JointInitiative.objects.filter(
            region.place_condition("activities__"), activities__deleted_at__isnull=True
        )
        # A subquery rather than a join: an initiative with several activities there is
        # listed once, without a DISTINCT that would fight the list's ordering.
        return self.filter(pk__in=placed.values("pk"))

    def search(self, text):
        """Initiatives matching every word of `text` (see common.search for the syntax):
        in the title, description or results, or an agency's acronym (lead or taking part).

        Word by word on every database: there are few initiatives, and no full-text index
        is worth keeping for them.
        """
        return filter_words(self, text, _initiative_word)

    def with_activity_count(self):
        # Joined, so not through `Activity.objects`: withdrawn activities are left out here.
        return self.annotate(
            activity_count=Count(
                "activities", filter=Q(activities__deleted_at__isnull=True), distinct=True
            )
        )

    def involving(self, agency):
        return self.filter(Q(lead_agency=agency) | Q(participating_agencies=agency)).distinct()

    def taking_part(self, agency):
        """Initiatives `agency` leads or has accepted to take part in (read from its answer,
        not from `participating_agencies`, so an invitation not answered never counts)."""
        accepted = Participation.objects.filter(
            initiative=OuterRef("pk"), agency=agency, status=Participation.Status.ACCEPTED
        )
        return self.filter(Q(lead_agency=agency) | Exists(accepted))

    def open(self):
        """Still under way: proposed or active (neither completed nor closed)."""
        return self.filter(status__in=JointInitiative.OPEN_STATUSES)


class JointInitiative(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        # The stored value stays "cancelled" (saved rows and links use it); what it means
        # to the agencies is that the initiative ended without being completed.
        CANCELLED = "cancelled", _("Closed without completion")

    # Under way: an agency may still be invited to these, and answer.
    OPEN_STATUSES = (Status.PROPOSED, Status.ACTIVE)

    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    lead_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("lead agency"),
        on_delete=models.PROTECT,
        related_name="led_initiatives",
    )
    participating_agencies = models.ManyToManyField(
        "agencies.Agency",
        verbose_name=_("participating agencies"),
        related_name="initiatives",
        blank=True,
    )
    priorities = models.ManyToManyField(
        "priorities.Priority", verbose_name=_("priorities"), related_name="initiatives"
    )
    # One of `priorities` (the services check it): the one the initiative mainly serves.
    primary_priority = models.ForeignKey(
        "priorities.Priority",
        verbose_name=_("primary priority"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    results = models.TextField(
        _("results"),
        blank=True,
        help_text=_("What the initiative achieved; required to complete it."),
    )
    end_date = models.DateField(_("end date"), null=True, blank=True)
    people_reached = models.PositiveIntegerField(
        _("people reached"),
        null=True,
        blank=True,
        help_text=_("How many people the initiative reached, if it counts them."),
    )
    # Raised by every edit; the edit form carries it, so a stale form cannot overwrite a
    # colleague's changes (the lead's focal point and the secretariat both edit).
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Withdrawn ("deleted"): hidden by `objects`, restorable by the secretariat for a while
    # (common.softdelete). Its activities and the pair it was made from are unlinked while
    # it is withdrawn, so that no count or overlap check takes them for its work and the
    # pair may have a new one; `withdrawn_links` remembers them for a restore:
    # {"activities": [ids], "pair": id or null}.
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    withdrawn_links = models.JSONField(default=dict, blank=True, editable=False)

    objects = AliveManager.from_queryset(JointInitiativeQuerySet)()
    all_objects = models.Manager.from_queryset(JointInitiativeQuerySet)()

    class Meta:
        ordering = ["title"]
        # A pair's `initiative` must still resolve when that initiative is withdrawn.
        base_manager_name = "all_objects"
        verbose_name = _("joint initiative")
        verbose_name_plural = _("joint initiatives")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="initiative_ends_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("initiatives:detail", args=[self.pk])


class InitiativeEvent(models.Model):
    """One step of an initiative's history, written by the service that made it."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        EDITED = "edited", _("Edited")
        TRANSITIONED = "transitioned", _("Status changed")
        INVITED = "invited", _("Agency invited")
        ACCEPTED = "accepted", _("Invitation accepted")
        DECLINED = "declined", _("Invitation declined")
        MILESTONE_ADDED = "milestone_added", _("Milestone added")
        MILESTONE_DONE = "milestone_done", _("Milestone done")
        # Written by the daily check (services.notify_overdue_milestones), by nobody.
        MILESTONE_OVERDUE = "milestone_overdue", _("Milestone overdue")
        DELETED = "deleted", _("Deleted")
        RESTORED = "restored", _("Restored")

    initiative = models.ForeignKey(
        JointInitiative,
        verbose_name=_("joint initiative"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    milestone = models.ForeignKey(
        "Milestone",
        verbose_name=_("milestone"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # The agency invited, or answering; blank for the other kinds.
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    from_status = models.CharField(
        _("from status"), max_length=20, choices=JointInitiative.Status.choices, blank=True
    )
    to_status = models.CharField(
        _("to status"), max_length=20, choices=JointInitiative.Status.choices, blank=True
    )
    # Kept when the person leaves: the history still says a step happened.
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
        verbose_name = _("initiative event")
        verbose_name_plural = _("initiative events")

    def __str__(self):
        return f"{self.initiative}: {self.get_kind_display()}"


class ParticipationQuerySet(models.QuerySet):
    def unanswered(self):
        return self.filter(status=Participation.Status.INVITED)


class Participation(models.Model):
    """An agency's invitation to take part in an initiative, and its answer.

    The initiative's `participating_agencies` are its lead and the agencies that accepted:
    the services keep the two in step.
    """

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited, not answered yet")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    initiative = models.ForeignKey(
        JointInitiative,
        verbose_name=_("joint initiative"),
        on_delete=models.CASCADE,
        related_name="participations",
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        related_name="initiative_participations",
    )
    status = models.CharField(
        _("answer"), max_length=20, choices=Status.choices, default=Status.INVITED
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
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
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ParticipationQuerySet.as_manager()

    class Meta:
        ordering = ["agency__acronym"]
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "agency"], name="one_participation_per_agency"
            ),
        ]

    def __str__(self):
        return f"{self.agency} in {self.initiative}: {self.get_status_display()}"


class MilestoneQuerySet(models.QuerySet):
    def overdue(self, today):
        return self.filter(done=False, due_date__lt=today)


class Milestone(models.Model):
    """A dated step of an initiative's work, owned by one of its agencies."""

    initiative = models.ForeignKey(
        JointInitiative,
        verbose_name=_("joint initiative"),
        on_delete=models.CASCADE,
        related_name="milestones",
    )
    title = models.CharField(_("title"), max_length=250)
    due_date = models.DateField(_("due date"))
    owner_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("owner agency"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    done = models.BooleanField(_("done"), default=False)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    # The due date the agencies were last emailed about as passed: a milestone is reported
    # once per due date, and again only when a moved date passes in its turn.
    overdue_notified_for = models.DateField(
        _("reported overdue for"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.CheckConstraint(
                condition=Q(done=False, done_on__isnull=True) | Q(done=True, done_on__isnull=False),
                name="milestone_done_has_a_date",
            ),
        ]

    def __str__(self):
        return self.title

    def is_overdue(self, today):
        return not self.done and self.due_date < today


def _initiative_word(word):
    """The condition for one search word (see JointInitiativeQuerySet.search)."""
    taking_part = JointInitiative.participating_agencies.through.objects.filter(
        jointinitiative=OuterRef("pk"), agency__acronym__iexact=word
    )
    return (
        Q(title__icontains=word)
        | Q(description__icontains=word)
        | Q(results__icontains=word)
        | Q(lead_agency__acronym__iexact=word)
        | Exists(taking_part)
    )
