"""The group's own governance: its meetings (Principals' and working-level), their agenda,
decisions and action points; the rotation of its chair; its working groups; and each person's
private calendar feed.

Everything is written through governance.services; who may call them is governance.access.
"""

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.search import filter_words


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, user):
        # Everyone signed in reads the group's meetings; one place for a later rule.
        if not user.is_authenticated:
            return self.none()
        return self

    def upcoming(self, today, days):
        return self.filter(date__gte=today, date__lte=today + datetime.timedelta(days=days))

    def with_counts(self):
        return self.annotate(
            action_point_count=models.Count("action_points", distinct=True),
            open_count=models.Count(
                "action_points",
                filter=~Q(action_points__status=ActionPoint.Status.DONE),
                distinct=True,
            ),
        )

    def search(self, text):
        return filter_words(self, text, _meeting_word)


def _meeting_word(word):
    # Agenda items through a subquery: a join would repeat a meeting once per matching item.
    items = AgendaItem.objects.filter(Q(title__icontains=word) | Q(decision__icontains=word))
    return (
        Q(title__icontains=word)
        | Q(decisions__icontains=word)
        | Q(pk__in=items.values("meeting_id"))
    )


class Meeting(models.Model):
    class Kind(models.TextChoices):
        PRINCIPALS = "principals", _("Principals' meeting")
        WORKING_LEVEL = "working_level", _("Working-level meeting")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=250)
    date = models.DateField(_("date"))
    place = models.CharField(
        _("place"), max_length=200, blank=True, help_text=_("City and country; empty if online.")
    )
    online = models.BooleanField(_("online"), default=False)
    chair = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("chair agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="chaired_meetings",
    )
    decisions = models.TextField(
        _("decisions of the meeting"),
        blank=True,
        help_text=_("What the meeting decided as a whole; decisions on one item go with it."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [models.Index(fields=["date"], name="meeting_date_idx")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("governance:meeting-detail", args=[self.pk])

    @property
    def where(self):
        if self.online and self.place:
            return _("%(place)s and online") % {"place": self.place}
        return _("Online") if self.online else self.place


class AgendaItem(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="agenda_items"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("agenda item"), max_length=250)
    decision = models.TextField(_("decision"), blank=True)

    class Meta:
        ordering = ["meeting", "position", "pk"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "position"],
                name="agenda_item_position_unique",
                violation_error_message=_("This meeting already has an item at this position."),
            ),
        ]

    def __str__(self):
        return f"{self.position}. {self.title}"

    def get_absolute_url(self):
        return f"{self.meeting.get_absolute_url()}#item-{self.pk}"


class ActionPointQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        return self

    def not_done(self):
        return self.exclude(status=ActionPoint.Status.DONE)

    def overdue(self, today):
        """Not done, and due before `today`: computed from the date, never stored."""
        return self.not_done().filter(due_date__lt=today)

    def due_within(self, today, days):
        """Not done, and overdue or due in the next `days` days."""
        return self.not_done().filter(due_date__lte=today + datetime.timedelta(days=days))

    def owned_by(self, agency):
        return self.filter(owner=agency)

    def with_list_relations(self):
        return self.select_related("meeting", "owner", "agenda_item")

    def search(self, text):
        return filter_words(self, text, _action_point_word)


class ActionPoint(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="action_points"
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        verbose_name=_("agenda item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_points",
    )
    text = models.CharField(_("action"), max_length=500)
    owner = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("owner agency"),
        on_delete=models.PROTECT,
        related_name="action_points",
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    status_note = models.TextField(_("progress note"), blank=True)
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = ActionPointQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("action point")
        verbose_name_plural = _("action points")
        constraints = [
            # A done date exactly when done: "followed until done" has a date to show.
            models.CheckConstraint(
                condition=(Q(status="done") & Q(done_on__isnull=False))
                | (~Q(status="done") & Q(done_on__isnull=True)),
                name="action_point_done_date_iff_done",
                violation_error_message=_("An action point has a done date exactly when done."),
            ),
        ]
        indexes = [models.Index(fields=["owner", "status", "due_date"], name="ap_owner_idx")]

    def __str__(self):
        return self.text

    def get_absolute_url(self):
        return reverse("governance:action-point-detail", args=[self.pk])

    def is_overdue_on(self, today):
        return self.status != self.Status.DONE and self.due_date < today

    @property
    def is_overdue(self):
        return self.is_overdue_on(timezone.localdate())


def _action_point_word(word):
    return (
        Q(text__icontains=word)
        | Q(status_note__icontains=word)
        | Q(meeting__title__icontains=word)
        | Q(owner__acronym__iexact=word)
    )


class Chairmanship(models.Model):
    """One term of the group's chair. The agency where the chair was one member agency;
    otherwise (the Regional Commissions jointly) the label alone. One chair at a time: the
    services refuse a term that overlaps another."""

    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="chairmanships",
    )
    co_chair = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("co-chair"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="co_chairmanships",
    )
    label = models.CharField(
        _("label"), max_length=100, help_text=_("How the history names the chair.")
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["start"]
        verbose_name = _("chairmanship")
        verbose_name_plural = _("chairmanships")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="chairmanship_ends_after_start",
                violation_error_message=_("A term cannot end before it starts."),
            ),
            models.UniqueConstraint(fields=["start"], name="chairmanship_start_unique"),
        ]

    def __str__(self):
        return f"{self.label} ({self.start:%Y-%m})"

    def get_absolute_url(self):
        return f"{reverse('governance:chair-history')}#term-{self.pk}"


class WorkingGroup(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    mandate = models.TextField(_("mandate"), blank=True)
    co_chairs = models.ManyToManyField(
        "agencies.Agency", verbose_name=_("co-chairs"), related_name="co_chaired_working_groups"
    )
    members = models.ManyToManyField(
        "agencies.Agency", verbose_name=_("members"), related_name="working_groups", blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("working group")
        verbose_name_plural = _("working groups")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("governance:working-group-detail", args=[self.slug])


def new_calendar_token():
    return secrets.token_urlsafe(32)


class CalendarToken(models.Model):
    """A person's private calendar address. Revoking deletes it: the old address then
    answers 404 and a new one can be made."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token"
    )
    token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return str(self.user)
