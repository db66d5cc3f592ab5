"""The major processes the group contributes to (priority e), their events, and what each
member agency and the group jointly put into them.

A process (the High-level Dialogues, the Global Forum on Migration and Development, …) holds
dated events; an event receives contributions. A contribution is one agency's, or a joint
input of several agencies drafted by a lead agency. Everything is written through
processes.services, which keeps who created and last changed each record, and when.
"""

from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.models import Tracked
from common.search import filter_words

# Slugs the process URLs use for pages of their own (processes/new/, …): no process takes them.
RESERVED_SLUGS = frozenset({"new", "events", "contributions"})


class ProcessQuerySet(models.QuerySet):
    def visible_to(self, user):
        # Everyone signed in reads every process; one place for a later rule.
        if not user.is_authenticated:
            return self.none()
        return self

    def with_counts(self):
        """Each process with its number of events and of contributions, first and last
        event dates: counted by subqueries, so the two counts do not multiply each other."""
        events = Event.objects.filter(process=OuterRef("pk")).order_by().values("process")
        contributions = (
            Contribution.objects.filter(event__process=OuterRef("pk"))
            .order_by()
            .values("event__process")
        )
        return self.annotate(
            event_count=Coalesce(
                models.Subquery(events.annotate(n=models.Count("pk")).values("n")), 0
            ),
            contribution_count=Coalesce(
                models.Subquery(contributions.annotate(n=models.Count("pk")).values("n")), 0
            ),
            first_event=models.Subquery(events.annotate(d=models.Min("start_date")).values("d")),
            last_event=models.Subquery(
                events.annotate(d=models.Max(Coalesce("end_date", "start_date"))).values("d")
            ),
        )


class Process(Tracked):
    class Kind(models.TextChoices):
        UN_INTERGOVERNMENTAL = "un_intergovernmental", _("UN intergovernmental")
        STATE_LED = "state_led", _("State-led")
        REGIONAL_CONSULTATIVE = "regional_consultative", _("Regional consultative process")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    acronym = models.CharField(_("short name"), max_length=30, blank=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)

    objects = ProcessQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("major process")
        verbose_name_plural = _("major processes")
        constraints = [
            models.CheckConstraint(
                condition=~Q(slug__in=sorted(RESERVED_SLUGS)), name="process_slug_not_reserved"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("processes:process-detail", args=[self.slug])

    @property
    def label(self):
        """The short name where there is one: how lists name the process."""
        return self.acronym or self.name


class EventQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        return self

    def upcoming(self, today):
        return self.filter(start_date__gt=today)

    def past(self, today):
        return self.alias(last_day=Coalesce("end_date", "start_date")).filter(last_day__lt=today)

    def deadlines_from(self, today):
        """Events whose contribution deadline is today or later, the nearest first."""
        return self.filter(contribution_deadline__gte=today).order_by(
            "contribution_deadline", "start_date", "pk"
        )

    def with_contribution_count(self):
        return self.annotate(contribution_count=models.Count("contributions"))


class Event(Tracked):
    """A dated meeting of a process: a summit, a dialogue, a thematic meeting."""

    class Status(models.TextChoices):
        # Derived from the dates, never stored: an event becomes past without a write.
        UPCOMING = "upcoming", _("Upcoming")
        UNDER_WAY = "under_way", _("Under way")
        PAST = "past", _("Past")

    process = models.ForeignKey(
        Process, verbose_name=_("process"), on_delete=models.PROTECT, related_name="events"
    )
    title = models.CharField(_("title"), max_length=250)
    place = models.CharField(
        _("place"), max_length=200, blank=True, help_text=_("City and country, or “Online”.")
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(
        _("end date"), null=True, blank=True, help_text=_("Leave empty for a one-day event.")
    )
    contribution_deadline = models.DateField(
        _("contribution deadline"),
        null=True,
        blank=True,
        help_text=_("When the agencies' inputs are due, if the organisers set a date."),
    )
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["start_date", "pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.UniqueConstraint(
                fields=["process", "title"],
                name="event_title_unique_per_process",
                violation_error_message=_("This process already has an event with this title."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="event_ends_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]
        indexes = [models.Index(fields=["contribution_deadline"], name="event_deadline_idx")]

    CONSTRAINT_FIELDS = {
        "event_title_unique_per_process": "title",
        "event_ends_after_start": "end_date",
    }

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("processes:event-detail", args=[self.pk])

    @property
    def last_day(self):
        return self.end_date or self.start_date

    def status_on(self, today):
        if today < self.start_date:
            return self.Status.UPCOMING
        if today > self.last_day:
            return self.Status.PAST
        return self.Status.UNDER_WAY

    @property
    def status(self):
        """An Event.Status, as of today; templates show its `.label`."""
        return self.status_on(timezone.localdate())


class ContributionQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        return self

    def with_list_relations(self):
        return self.select_related("event__process", "lead_agency", "initiative").prefetch_related(
            "agencies", "priorities"
        )

    def under_priority(self, priority):
        return self.filter(priorities=priority)

    def involving(self, agency):
        """Contributions `agency` made alone, leads, or takes part in as a joint input."""
        return self.filter(agencies=agency)

    def joint(self):
        return self.filter(is_joint=True)

    def single(self):
        return self.filter(is_joint=False)

    def search(self, text):
        """Contributions matching every word of `text` (see common.search for the syntax):
        in the title or summary, the event's title or place, the process's name or short
        name, or an agency's acronym.

        Word by word on every database: there are few contributions, and no full-text index
        is worth keeping for them.
        """
        return filter_words(self, text, _contribution_word)


class Contribution(Tracked):
    """What one agency, or several jointly, put into an event of a process."""

    class Kind(models.TextChoices):
        STATEMENT = "statement", _("Statement")
        BACKGROUND_PAPER = "background_paper", _("Background paper")
        SIDE_EVENT = "side_event", _("Side event")
        PANEL = "panel", _("Panel or roundtable participation")
        DATA = "data", _("Data")
        OTHER = "other", _("Other")

    event = models.ForeignKey(
        Event, verbose_name=_("event"), on_delete=models.PROTECT, related_name="contributions"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=250)
    summary = models.TextField(_("summary"), blank=True)
    date = models.DateField(_("date"), help_text=_("When it was delivered, published or held."))
    link = models.URLField(_("link"), blank=True, help_text=_("Where the text can be read."))
    priorities = models.ManyToManyField(
        "priorities.Priority", verbose_name=_("priorities"), related_name="process_contributions"
    )
    # The agency that records it; for a joint input, the one that drafts it. Its staff and
    # focal points edit it, with the secretariat.
    lead_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("lead agency"),
        on_delete=models.PROTECT,
        related_name="led_process_contributions",
    )
    # Every agency it is from, the lead included (the services keep them in step): the lead
    # alone for one agency's contribution, several for a joint input.
    agencies = models.ManyToManyField(
        "agencies.Agency", verbose_name=_("agencies"), related_name="process_contributions"
    )
    is_joint = models.BooleanField(_("joint input of the group"), default=False)
    initiative = models.ForeignKey(
        "initiatives.JointInitiative",
        verbose_name=_("joint initiative"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="process_contributions",
    )

    objects = ContributionQuerySet.as_manager()

    CONSTRAINT_FIELDS = {"contribution_initiative_only_when_joint": "initiative"}

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        constraints = [
            # A joint initiative's work reaches a process through a joint input.
            models.CheckConstraint(
                condition=Q(is_joint=True) | Q(initiative__isnull=True),
                name="contribution_initiative_only_when_joint",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "lead_agency"], name="contribution_event_lead_idx"),
            models.Index(fields=["-date", "-id"], name="contribution_recent_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("processes:contribution-detail", args=[self.pk])


def _contribution_word(word):
    """The condition for one search word (see ContributionQuerySet.search)."""
    from_agency = Contribution.agencies.through.objects.filter(
        contribution=OuterRef("pk"), agency__acronym__iexact=word
    )
    return (
        Q(title__icontains=word)
        | Q(summary__icontains=word)
        | Q(event__title__icontains=word)
        | Q(event__place__icontains=word)
        | Q(event__process__name__icontains=word)
        | Q(event__process__acronym__iexact=word)
        | Exists(from_agency)
    )
