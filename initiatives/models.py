from django.db import models
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class JointInitiativeQuerySet(models.QuerySet):
    def with_list_relations(self):
        return self.select_related("lead_agency").prefetch_related(
            "participating_agencies", "priorities"
        )

    def under_priority(self, priority):
        return self.filter(priorities=priority)

    def with_activity_count(self):
        return self.annotate(activity_count=Count("activities", distinct=True))

    def involving(self, agency):
        return self.filter(Q(lead_agency=agency) | Q(participating_agencies=agency)).distinct()


class JointInitiative(models.Model):
    # The full lifecycle (proposal, agreement, milestones) comes with its own issue.
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

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
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    # Raised by every edit; the edit form carries it, so a stale form cannot overwrite a
    # colleague's changes (the lead's focal point and the secretariat both edit).
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = JointInitiativeQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
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
