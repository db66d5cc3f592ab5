"""Capacity building across the group (priority l): joint trainings that member agencies
organise together, and staff that one agency lends to another (transfers and secondments).

Everything is written through capacity.services, which keeps who created and last changed
each record, a training's organisers and participants in step, and priority (l) on each.
"""

from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.models import Tracked
from common.search import filter_words


class TrainingQuerySet(models.QuerySet):
    def visible_to(self, user):
        # Everyone signed in reads every training; one place for a later rule.
        if not user.is_authenticated:
            return self.none()
        return self

    def with_total(self):
        """Each training with its number of participants, summed by the database."""
        total = (
            TrainingParticipants.objects.filter(training=OuterRef("pk"))
            .order_by()
            .values("training")
            .annotate(n=Sum("participants"))
            .values("n")
        )
        return self.annotate(participant_total=Coalesce(models.Subquery(total), 0))

    def with_list_relations(self):
        return (
            self.with_total()
            .select_related("lead_agency", "country")
            .prefetch_related("organisers", "priorities")
        )

    def under_priority(self, priority):
        return self.filter(priorities=priority)

    def organised_by(self, agency):
        return self.filter(organisers=agency)

    def with_status(self, status, today):
        if status == Training.Status.CANCELLED:
            return self.filter(cancelled=True)
        last_day = Coalesce("end_date", "start_date")
        live = self.filter(cancelled=False).alias(last_day=last_day)
        if status == Training.Status.HELD:
            return live.filter(last_day__lt=today)
        return live.filter(last_day__gte=today)

    def search(self, text):
        """Trainings matching every word of `text` (see common.search for the syntax): in the
        title, description, city or country, or an organising agency's acronym."""
        return filter_words(self, text, _training_word)


class Training(Tracked):
    """A training that member agencies organise together."""

    class Status(models.TextChoices):
        # Planned and held follow from the dates; only a cancellation is recorded.
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(
        _("end date"), null=True, blank=True, help_text=_("Leave empty for a one-day training.")
    )
    online = models.BooleanField(_("online"), default=False)
    country = models.ForeignKey(
        "geo.Country",
        verbose_name=_("country"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="trainings",
    )
    city = models.CharField(_("city"), max_length=120, blank=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    materials = models.TextField(
        _("materials"),
        blank=True,
        help_text=_("Links to the course materials, one address a line."),
    )
    # The agency that records it and answers for it; its staff and focal points edit it with
    # those of the other organisers and the secretariat.
    lead_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("lead agency"),
        on_delete=models.PROTECT,
        related_name="led_trainings",
    )
    # Every organising agency, the lead included (the services keep them in step).
    organisers = models.ManyToManyField(
        "agencies.Agency", verbose_name=_("organising agencies"), related_name="trainings"
    )
    priorities = models.ManyToManyField(
        "priorities.Priority", verbose_name=_("priorities"), related_name="trainings"
    )

    objects = TrainingQuerySet.as_manager()

    CONSTRAINT_FIELDS = {
        "training_ends_after_start": "end_date",
        "training_has_a_place": "country",
        "training_online_has_no_city": "city",
    }

    class Meta:
        ordering = ["-start_date", "-pk"]
        verbose_name = _("joint training")
        verbose_name_plural = _("joint trainings")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="training_ends_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(online=True) | Q(country__isnull=False),
                name="training_has_a_place",
                violation_error_message=_("Give the country where it takes place, or tick online."),
            ),
            models.CheckConstraint(
                condition=Q(online=False) | Q(country__isnull=True, city=""),
                name="training_online_has_no_city",
                violation_error_message=_("An online training has no city or country."),
            ),
        ]
        indexes = [models.Index(fields=["-start_date", "-id"], name="training_recent_idx")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("capacity:training-detail", args=[self.pk])

    @property
    def last_day(self):
        return self.end_date or self.start_date

    def status_on(self, today):
        if self.cancelled:
            return self.Status.CANCELLED
        if self.last_day < today:
            return self.Status.HELD
        return self.Status.PLANNED

    @property
    def status(self):
        return self.status_on(timezone.localdate())

    @property
    def place(self):
        if self.online:
            return _("Online")
        return ", ".join(
            part for part in (self.city, self.country.name if self.country else "") if part
        )

    @property
    def material_links(self):
        return [line.strip() for line in self.materials.splitlines() if line.strip()]


class TrainingParticipants(models.Model):
    """How many of one agency's staff took part in (or are enrolled for) a training."""

    training = models.ForeignKey(
        Training, verbose_name=_("training"), on_delete=models.CASCADE, related_name="participants"
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="training_participants",
    )
    participants = models.PositiveIntegerField(_("number of participants"))

    class Meta:
        ordering = ["agency__acronym"]
        verbose_name = _("participants of an agency")
        verbose_name_plural = _("participants by agency")
        constraints = [
            models.UniqueConstraint(
                fields=["training", "agency"],
                name="training_participants_once_per_agency",
                violation_error_message=_("This agency is already listed."),
            ),
            models.CheckConstraint(
                condition=Q(participants__gte=1),
                name="training_participants_at_least_one",
                violation_error_message=_("At least one participant."),
            ),
        ]

    def __str__(self):
        return f"{self.agency}: {self.participants}"


def _training_word(word):
    """The condition for one search word (see TrainingQuerySet.search)."""
    by_agency = Training.organisers.through.objects.filter(
        training=OuterRef("pk"), agency__acronym__iexact=word
    )
    return (
        Q(title__icontains=word)
        | Q(description__icontains=word)
        | Q(city__icontains=word)
        | Q(country__name__icontains=word)
        | Exists(by_agency)
    )


class TransferQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        return self

    def with_list_relations(self):
        return self.select_related("from_agency", "to_agency").prefetch_related("priorities")

    def under_priority(self, priority):
        return self.filter(priorities=priority)

    def involving(self, agency):
        return self.filter(Q(from_agency=agency) | Q(to_agency=agency))

    def search(self, text):
        return filter_words(self, text, _transfer_word)


class Transfer(Tracked):
    """A member of staff lent by one agency to another for a period: a transfer or secondment."""

    class Kind(models.TextChoices):
        SECONDMENT = "secondment", _("Secondment")
        TRANSFER = "transfer", _("Transfer")
        LOAN = "loan", _("Loan")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    person_name = models.CharField(
        _("person"),
        max_length=200,
        blank=True,
        help_text=_("Leave empty if the person's name is not to be disclosed."),
    )
    from_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("from agency"),
        on_delete=models.PROTECT,
        related_name="transfers_out",
    )
    to_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("to agency"),
        on_delete=models.PROTECT,
        related_name="transfers_in",
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    purpose = models.TextField(_("purpose"))
    priorities = models.ManyToManyField(
        "priorities.Priority", verbose_name=_("priorities"), related_name="transfers"
    )

    objects = TransferQuerySet.as_manager()

    CONSTRAINT_FIELDS = {
        "transfer_between_two_agencies": "to_agency",
        "transfer_ends_after_start": "end_date",
    }

    class Meta:
        ordering = ["-start_date", "-pk"]
        verbose_name = _("inter-agency transfer")
        verbose_name_plural = _("inter-agency transfers")
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_agency=F("to_agency")),
                name="transfer_between_two_agencies",
                violation_error_message=_("The agency receiving the person must be another one."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="transfer_ends_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]

    def __str__(self):
        return _("%(person)s, %(from)s to %(to)s") % {
            "person": self.person_label,
            "from": self.from_agency.acronym,
            "to": self.to_agency.acronym,
        }

    def get_absolute_url(self):
        return reverse("capacity:transfer-detail", args=[self.pk])

    @property
    def person_label(self):
        return self.person_name or _("Name not disclosed")


def _transfer_word(word):
    return (
        Q(person_name__icontains=word)
        | Q(purpose__icontains=word)
        | Q(from_agency__acronym__iexact=word)
        | Q(to_agency__acronym__iexact=word)
    )
