"""Engagements with States and regional processes (priorities j, k), and requests for
support received from States.

An engagement is a dated exchange with a Government, a regional body or a regional
consultative process on migration, with the agencies that took part in it (one leads) and its
follow-ups, each owned by an agency and due by a date. A request for support is received from
a State (or a body), assigned to a lead agency and tracked to closure; every step is kept as
a RequestEvent. Everything is written through states.services.
"""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.models import Tracked
from common.search import filter_words

# -- engagements ------------------------------------------------------------------------------


class EngagementQuerySet(models.QuerySet):
    def visible_to(self, user):
        # Everyone signed in reads every engagement; one place for a later rule.
        if not user.is_authenticated:
            return self.none()
        return self

    def with_list_relations(self):
        return self.select_related("country", "lead_agency").prefetch_related(
            "agencies", "priorities"
        )

    def under_priority(self, priority):
        return self.filter(priorities=priority)

    def involving(self, agency):
        return self.filter(agencies=agency)

    def with_overdue(self, today):
        """Those with a follow-up still open past its due date."""
        return self.filter(
            Exists(FollowUp.objects.filter(engagement=OuterRef("pk")).overdue(today))
        )

    def search(self, text):
        return filter_words(self, text, _engagement_word)


class Engagement(Tracked):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("Government")
        REGIONAL_BODY = "regional_body", _("Regional body")
        RCP = "rcp", _("Regional consultative process")
        OTHER = "other", _("Other")

    date = models.DateField(_("date"))
    counterpart_kind = models.CharField(_("counterpart"), max_length=20, choices=Kind.choices)
    counterpart_name = models.CharField(
        _("counterpart's name"),
        max_length=200,
        help_text=_("“Ministry of Foreign Affairs”, “ECOWAS Commission”, “Colombo Process”."),
    )
    country = models.ForeignKey(
        "geo.Country",
        verbose_name=_("country"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="engagements",
        help_text=_("Required for a Government."),
    )
    topic = models.CharField(_("topic"), max_length=250)
    summary = models.TextField(_("summary"), blank=True)
    # The agency that records it; its staff and focal points, those of the other agencies
    # involved and the secretariat edit it.
    lead_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("lead agency"),
        on_delete=models.PROTECT,
        related_name="led_engagements",
    )
    # Every agency involved, the lead included (the services keep them in step).
    agencies = models.ManyToManyField(
        "agencies.Agency", verbose_name=_("agencies involved"), related_name="engagements"
    )
    priorities = models.ManyToManyField(
        "priorities.Priority", verbose_name=_("priorities"), related_name="engagements"
    )
    activities = models.ManyToManyField(
        "activities.Activity",
        verbose_name=_("linked activities"),
        blank=True,
        related_name="engagements",
    )

    objects = EngagementQuerySet.as_manager()

    CONSTRAINT_FIELDS = {"engagement_government_has_country": "country"}

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        constraints = [
            models.CheckConstraint(
                condition=~Q(counterpart_kind="government") | Q(country__isnull=False),
                name="engagement_government_has_country",
                violation_error_message=_("Name the country of the Government."),
            ),
        ]
        indexes = [models.Index(fields=["-date", "-id"], name="engagement_recent_idx")]

    def __str__(self):
        return self.topic

    def get_absolute_url(self):
        return reverse("states:engagement-detail", args=[self.pk])

    @property
    def counterpart(self):
        if self.country_id and self.counterpart_kind == self.Kind.GOVERNMENT:
            return f"{self.country.name}: {self.counterpart_name}"
        return self.counterpart_name


def _engagement_word(word):
    involved = Engagement.agencies.through.objects.filter(
        engagement=OuterRef("pk"), agency__acronym__iexact=word
    )
    return (
        Q(topic__icontains=word)
        | Q(summary__icontains=word)
        | Q(counterpart_name__icontains=word)
        | Q(country__name__icontains=word)
        | Exists(involved)
    )


class FollowUpQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        return self

    def open(self):
        return self.filter(status=FollowUp.Status.OPEN)

    def overdue(self, today):
        return self.open().filter(due_date__lt=today)

    def due_by(self, day):
        """Open and due on or before `day`: the overdue ones with them."""
        return self.open().filter(due_date__lte=day)


class FollowUp(Tracked):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    engagement = models.ForeignKey(
        Engagement,
        verbose_name=_("engagement"),
        on_delete=models.CASCADE,
        related_name="follow_ups",
    )
    description = models.CharField(_("what is to be done"), max_length=300)
    owner_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("owner agency"),
        on_delete=models.PROTECT,
        related_name="engagement_follow_ups",
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    done_date = models.DateField(_("done on"), null=True, blank=True)

    objects = FollowUpQuerySet.as_manager()

    CONSTRAINT_FIELDS = {"follow_up_done_has_date": "done_date"}

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="done") & Q(done_date__isnull=False))
                | (Q(status="open") & Q(done_date__isnull=True)),
                name="follow_up_done_has_date",
                violation_error_message=_("A follow-up done has the date it was done, only then."),
            ),
        ]
        indexes = [
            models.Index(fields=["owner_agency", "status", "due_date"], name="follow_up_due_idx")
        ]

    def __str__(self):
        return self.description

    def get_absolute_url(self):
        # By the engagement's id: a list of follow-ups links each without reading its engagement.
        url = reverse("states:engagement-detail", args=[self.engagement_id])
        return f"{url}#follow-up-{self.pk}"

    def is_overdue_on(self, today):
        return self.status == self.Status.OPEN and self.due_date < today

    @property
    def is_overdue(self):
        return self.is_overdue_on(timezone.localdate())


# -- requests for support ---------------------------------------------------------------------


class SupportRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        return self

    def with_list_relations(self):
        return self.select_related("country", "lead_agency").prefetch_related("priorities")

    def under_priority(self, priority):
        return self.filter(priorities=priority)

    def open(self):
        return self.filter(status__in=SupportRequest.OPEN_STATUSES)

    def search(self, text):
        return filter_words(self, text, _request_word)


class SupportRequest(Tracked):
    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        ASSIGNED = "assigned", _("Assigned")
        IN_PROGRESS = "in_progress", _("In progress")
        CLOSED = "closed", _("Closed")
        DECLINED = "declined", _("Declined")

    OPEN_STATUSES = (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS)

    country = models.ForeignKey(
        "geo.Country",
        verbose_name=_("requesting country"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="support_requests",
    )
    requesting_body = models.CharField(
        _("requesting body"),
        max_length=200,
        blank=True,
        help_text=_("The ministry, office or regional body that asked, if it matters."),
    )
    received_date = models.DateField(_("received on"))
    subject = models.CharField(_("subject"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    priorities = models.ManyToManyField(
        "priorities.Priority", verbose_name=_("priorities"), related_name="support_requests"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    lead_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("lead agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="support_requests",
    )
    outcome = models.TextField(_("outcome"), blank=True)

    objects = SupportRequestQuerySet.as_manager()

    CONSTRAINT_FIELDS = {
        "support_request_from_someone": "country",
        "support_request_assigned_has_lead": "lead_agency",
        "support_request_closed_has_outcome": "outcome",
    }

    class Meta:
        ordering = ["-received_date", "-pk"]
        verbose_name = _("request for support")
        verbose_name_plural = _("requests for support")
        constraints = [
            models.CheckConstraint(
                condition=Q(country__isnull=False) | ~Q(requesting_body=""),
                name="support_request_from_someone",
                violation_error_message=_("Name the requesting country, or the body."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["received", "declined"]) | Q(lead_agency__isnull=False),
                name="support_request_assigned_has_lead",
                violation_error_message=_("An assigned request has a lead agency."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["closed", "declined"]) | ~Q(outcome=""),
                name="support_request_closed_has_outcome",
                violation_error_message=_("Say what came of it."),
            ),
        ]
        indexes = [
            models.Index(fields=["lead_agency", "status"], name="support_request_lead_idx"),
            models.Index(fields=["-received_date", "-id"], name="support_request_recent_idx"),
        ]

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return reverse("states:request-detail", args=[self.pk])

    @property
    def requester(self):
        parts = [
            p for p in (self.country.name if self.country_id else "", self.requesting_body) if p
        ]
        return ": ".join(parts)

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES


def _request_word(word):
    return (
        Q(subject__icontains=word)
        | Q(description__icontains=word)
        | Q(requesting_body__icontains=word)
        | Q(country__name__icontains=word)
        | Q(lead_agency__acronym__iexact=word)
    )


class RequestEvent(models.Model):
    """One step of a request: who moved it from which status to which, when, and why."""

    request = models.ForeignKey(
        SupportRequest, verbose_name=_("request"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(
        _("from"), max_length=20, choices=SupportRequest.Status.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=SupportRequest.Status.choices)
    lead_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("lead agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("request step")
        verbose_name_plural = _("request steps")

    def __str__(self):
        return f"{self.from_status or '—'} → {self.to_status}"
