"""Writes to joint initiatives: create, edit, move through the lifecycle, withdraw
("delete") and restore.

Every write records an InitiativeEvent, so an initiative's page can tell its history.
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Role, User
from common import emails, outbox, softdelete, tallies

from .models import INITIATIVES, InitiativeEvent, JointInitiative, Milestone, Participation

log = logging.getLogger(__name__)

# The status is not among them: it changes only through initiative_transition, which
# guards each step and records it.
SCALAR_FIELDS = (
    "title",
    "description",
    "lead_agency",
    "primary_priority",
    "start_date",
    "end_date",
)

Status = JointInitiative.Status

# Which states each state may move to. Completed and closed initiatives are history.
TRANSITIONS = {
    Status.PROPOSED: (Status.ACTIVE, Status.CANCELLED),
    Status.ACTIVE: (Status.COMPLETED, Status.CANCELLED),
    Status.COMPLETED: (),
    Status.CANCELLED: (),
}
# Initiatives still under way: their milestones can fall overdue; the others' are history.
OPEN_STATUSES = (Status.PROPOSED, Status.ACTIVE)


class StaleInitiativeError(Exception):
    """The initiative changed since the editor loaded it."""


def _check_priorities(priorities, primary=None):
    if not priorities:
        raise ValidationError({"priorities": _("Choose at least one priority.")})
    if primary is not None and primary not in priorities:
        raise ValidationError(
            {"primary_priority": _("The primary priority must be one of its priorities.")}
        )


@transaction.atomic
def initiative_create(
    *,
    title,
    lead_agency,
    priorities,
    participating_agencies=(),
    invited_agencies=(),
    description="",
    status=JointInitiative.Status.PROPOSED,
    start_date=None,
    end_date=None,
    primary_priority=None,
    by=None,
):
    """Create a joint initiative; its lead agency takes part in it.

    `participating_agencies` take part at once (their agreement was had elsewhere, e.g.
    on a decided overlap pair); `invited_agencies` are invited and answer on its page.
    `by` is who proposed it (None when the system makes it, as the demo seed does).
    """
    initiative = JointInitiative(
        title=title,
        description=description,
        lead_agency=lead_agency,
        primary_priority=primary_priority,
        status=status,
        start_date=start_date,
        end_date=end_date,
    )
    initiative.full_clean()
    _check_priorities(list(priorities), primary_priority)
    initiative.save()
    initiative.participating_agencies.set({lead_agency, *participating_agencies})
    initiative.priorities.set(priorities)
    _record(initiative, InitiativeEvent.Kind.CREATED, by=by, to_status=initiative.status)
    taking_part = {lead_agency, *participating_agencies}
    for agency in taking_part - {lead_agency}:
        Participation.objects.create(
            initiative=initiative, agency=agency, status=Participation.Status.ACCEPTED
        )
    for agency in set(invited_agencies) - taking_part:
        _invite(initiative, agency, by=by)
    return initiative


@transaction.atomic
def initiative_update(initiative, *, by, expected_version=None, **fields):
    """Change an initiative. With `expected_version`, refuse (StaleInitiativeError) if
    someone saved in between. The lead agency always takes part in it."""
    participating = fields.pop("participating_agencies", None)
    priorities = fields.pop("priorities", None)
    unknown = set(fields) - set(SCALAR_FIELDS)
    if unknown:
        raise TypeError(f"Unknown initiative fields: {sorted(unknown)}")
    locked = JointInitiative.objects.select_for_update().get(pk=initiative.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleInitiativeError
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    if priorities is None:
        if locked.primary_priority is not None:
            _check_priorities(list(locked.priorities.all()), locked.primary_priority)
    else:
        _check_priorities(list(priorities), locked.primary_priority)
    locked.version += 1
    locked.save()
    if participating is not None:
        taking_part = {locked.lead_agency, *participating}
        locked.participating_agencies.set(taking_part)
        # Set directly by the lead or the secretariat: those added take part without an
        # invitation to answer, those removed no longer do.
        others = taking_part - {locked.lead_agency}
        for agency in others:
            Participation.objects.update_or_create(
                initiative=locked, agency=agency, defaults={"status": Participation.Status.ACCEPTED}
            )
        locked.participations.filter(status=Participation.Status.ACCEPTED).exclude(
            agency__in=others
        ).delete()
    else:
        locked.participating_agencies.add(locked.lead_agency)
    if priorities is not None:
        locked.priorities.set(priorities)
    _record(locked, InitiativeEvent.Kind.EDITED, by=by)
    return locked


def allowed_transitions(initiative):
    """The states this initiative may move to next."""
    return TRANSITIONS[Status(initiative.status)]


@transaction.atomic
def initiative_transition(
    initiative, *, to, by, note="", results=None, people_reached=None, expected_version=None
):
    """Move an initiative to the state `to`, recording who did it and why.

    Refuses (ValidationError) a step the lifecycle does not allow, and completing an
    initiative whose results are not recorded; `results` given here are saved with the
    step. With `expected_version`, refuses (StaleInitiativeError) if someone saved in
    between. Who may take the step is the gate's business, not this function's.
    """
    locked = JointInitiative.objects.select_for_update().get(pk=initiative.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleInitiativeError
    to = Status(to)
    if to not in allowed_transitions(locked):
        raise ValidationError(
            {
                "to": _("A %(from)s initiative cannot become %(to)s.")
                % {"from": locked.get_status_display().lower(), "to": to.label.lower()}
            }
        )
    if results is not None:
        locked.results = results.strip()
    if people_reached is not None:
        locked.people_reached = people_reached
    if to == Status.COMPLETED and not locked.results:
        raise ValidationError(
            {"results": _("Record the initiative's results before completing it.")}
        )
    from_status = locked.status
    locked.status = to
    locked.version += 1
    locked.full_clean()
    locked.save()
    _record(
        locked,
        InitiativeEvent.Kind.TRANSITIONED,
        by=by,
        from_status=from_status,
        to_status=to,
        note=note.strip(),
    )
    return locked


@transaction.atomic
def participation_invite(initiative, *, agency, by):
    """Invite `agency` to take part. An agency that declined may be invited again; one
    already invited, taking part or leading is refused (ValidationError)."""
    locked = JointInitiative.objects.select_for_update().get(pk=initiative.pk)
    if agency.pk == locked.lead_agency_id:
        raise ValidationError({"agency": _("The lead agency takes part already.")})
    existing = Participation.objects.filter(initiative=locked, agency=agency).first()
    if existing is not None and existing.status != Participation.Status.DECLINED:
        raise ValidationError({"agency": _("This agency was invited already.")})
    if locked.status not in (Status.PROPOSED, Status.ACTIVE):
        raise ValidationError(_("A completed or closed initiative takes no new participants."))
    return _invite(locked, agency, by=by)


def _invite(initiative, agency, *, by):
    participation, _created = Participation.objects.update_or_create(
        initiative=initiative,
        agency=agency,
        defaults={
            "status": Participation.Status.INVITED,
            "invited_by": by if by is not None and by.is_authenticated else None,
            "answered_by": None,
            "answered_at": None,
        },
    )
    _record(initiative, InitiativeEvent.Kind.INVITED, by=by, agency=agency)
    return participation


@transaction.atomic
def participation_answer(participation, *, accept, by, note=""):
    """The invited agency's answer. Accepting makes it one of the participating agencies;
    a second answer is refused (ValidationError), so a double submit counts once."""
    locked = Participation.objects.select_for_update().get(pk=participation.pk)
    if locked.status != Participation.Status.INVITED:
        raise ValidationError(_("Your agency has answered this invitation already."))
    locked.status = Participation.Status.ACCEPTED if accept else Participation.Status.DECLINED
    locked.answered_by = by
    locked.answered_at = timezone.now()
    locked.save()
    initiative = locked.initiative
    if accept:
        initiative.participating_agencies.add(locked.agency)
    else:
        initiative.participating_agencies.remove(locked.agency)
    kind = InitiativeEvent.Kind.ACCEPTED if accept else InitiativeEvent.Kind.DECLINED
    _record(initiative, kind, by=by, agency=locked.agency, note=note.strip())
    return locked


@transaction.atomic
def milestone_add(initiative, *, title, due_date, owner_agency, by):
    """Add a milestone, owned by the lead agency or one taking part."""
    if not initiative.participating_agencies.filter(pk=owner_agency.pk).exists() and (
        owner_agency.pk != initiative.lead_agency_id
    ):
        raise ValidationError(
            {"owner_agency": _("The owner must be the lead agency or one taking part.")}
        )
    milestone = Milestone(
        initiative=initiative, title=title, due_date=due_date, owner_agency=owner_agency
    )
    milestone.full_clean()
    milestone.save()
    _record(initiative, InitiativeEvent.Kind.MILESTONE_ADDED, by=by, milestone=milestone)
    return milestone


@transaction.atomic
def milestone_mark_done(milestone, *, by, on=None):
    """Mark a milestone done (today unless `on` says when). Marking it twice changes
    nothing and records nothing, so a double submit counts once."""
    locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if locked.done:
        return locked
    locked.done = True
    locked.done_on = on or timezone.localdate()
    locked.save()
    _record(locked.initiative, InitiativeEvent.Kind.MILESTONE_DONE, by=by, milestone=locked)
    return locked


@transaction.atomic
def notify_overdue_milestones(today=None):
    """Report every milestone of a proposed or active initiative whose due date passed
    before `today` (default: today) and that is not done; returns how many were reported.

    Each is reported once per due date: marked with the date it was reported for, in the
    transaction that records its "overdue" event and queues the event's email through the
    outbox, so a run that fails marks nothing and sends nothing. A due date moved later is
    reported again once it passes. Rows another run holds are skipped (SKIP LOCKED), and a
    row it reported no longer matches once it commits, so overlapping runs report each
    milestone once.
    """
    today = today or timezone.localdate()
    milestones = list(
        Milestone.objects.overdue(today)
        .filter(initiative__status__in=OPEN_STATUSES)
        .exclude(overdue_notified_for=F("due_date"))
        .select_related("initiative")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("pk")
    )
    for milestone in milestones:
        milestone.overdue_notified_for = milestone.due_date
    Milestone.objects.bulk_update(milestones, ["overdue_notified_for"])
    for milestone in milestones:
        _record(
            milestone.initiative,
            InitiativeEvent.Kind.MILESTONE_OVERDUE,
            by=None,
            milestone=milestone,
        )
    if milestones:
        log.info("overdue milestones: %s reported", len(milestones))
    return len(milestones)


# What the agencies are told of by email; the rest they read on the initiative's page.
NOTIFIED_KINDS = (
    InitiativeEvent.Kind.INVITED,
    InitiativeEvent.Kind.ACCEPTED,
    InitiativeEvent.Kind.DECLINED,
    InitiativeEvent.Kind.TRANSITIONED,
    InitiativeEvent.Kind.MILESTONE_OVERDUE,
)
NOTIFY_TASK = "initiatives.tasks.notify_initiative_event"
# Each kind's email: templates/emails/<name>_subject.txt, <name>.txt, <name>.html.
TEMPLATES = {InitiativeEvent.Kind.MILESTONE_OVERDUE: "milestone_overdue"}


def notification_recipients(event):
    """Who hears of `event` by email: the invited agency's focal points of an invitation,
    the lead's of an answer, the lead's and every participant's of a status change, the
    lead's and the owner agency's of an overdue milestone; never the person who acted."""
    initiative = event.initiative
    if event.kind == InitiativeEvent.Kind.INVITED:
        agency_ids = [event.agency_id]
    elif event.kind in (InitiativeEvent.Kind.ACCEPTED, InitiativeEvent.Kind.DECLINED):
        agency_ids = [initiative.lead_agency_id]
    elif event.kind == InitiativeEvent.Kind.TRANSITIONED:
        agency_ids = [
            initiative.lead_agency_id,
            *initiative.participating_agencies.values_list("pk", flat=True),
        ]
    elif event.kind == InitiativeEvent.Kind.MILESTONE_OVERDUE:
        agency_ids = [initiative.lead_agency_id, event.milestone.owner_agency_id]
    else:
        return User.objects.none()
    people = User.objects.filter(
        agency_id__in=agency_ids, role=Role.FOCAL_POINT, is_active=True
    ).order_by("email")
    if event.actor_id:
        people = people.exclude(pk=event.actor_id)
    return people


def notify_initiative_event(event_id):
    """Email the people concerned by one event; returns how many were sent.

    The event is claimed first (notified_at set by a conditional UPDATE): a task
    delivered twice sends nothing the second time. An SMTP failure after the claim is
    logged and not retried: the event stays on the initiative's page.
    """
    claimed = InitiativeEvent.objects.filter(pk=event_id, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
    if not claimed:
        return 0
    event = InitiativeEvent.objects.select_related(
        "initiative__lead_agency", "agency", "actor", "milestone__owner_agency"
    ).get(pk=event_id)
    milestone = event.milestone
    if event.kind == InitiativeEvent.Kind.MILESTONE_OVERDUE and (
        milestone.done or milestone.due_date != milestone.overdue_notified_for
    ):
        # Done, or moved, since the daily check (the outbox may have waited for the broker).
        return 0
    context = {
        "event": event,
        "initiative": event.initiative,
        "milestone": milestone,
        "initiative_url": settings.SITE_URL + event.initiative.get_absolute_url(),
    }
    rendered = emails.render(TEMPLATES.get(event.kind, "initiative_event"), context)
    sent = 0
    for person in notification_recipients(event):
        try:
            emails.build(person.email, *rendered).send()
        except Exception as exc:  # SMTP and network errors vary by backend
            log.warning("initiative event %s: email to %s failed: %s", event.pk, person.email, exc)
            continue
        sent += 1
    return sent


def _record(
    initiative, kind, *, by, agency=None, milestone=None, from_status="", to_status="", note=""
):
    actor = by if by is not None and by.is_authenticated else None
    # Every write to an initiative, its participations and milestones records an event.
    tallies.changed(INITIATIVES)
    event = InitiativeEvent.objects.create(
        initiative=initiative,
        agency=agency,
        milestone=milestone,
        kind=kind,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        note=note,
    )
    if kind in NOTIFIED_KINDS:
        # Through the outbox: published after commit, and kept if the broker is down.
        outbox.enqueue(NOTIFY_TASK, event.pk)
    return event


class RestoreRefused(Exception):
    """A withdrawn initiative that can no longer be restored; the message says why."""


def _linked_activities(initiative):
    # Withdrawn activities too: one restored later must not point at a withdrawn initiative.
    return initiative.activities(manager="all_objects")


def _source_pairs():
    # The overlap pairs, reached through the reverse of their link to an initiative: the
    # overlaps app sits above this one and is not imported.
    return JointInitiative.source_flag.related.related_model.objects


def _announce_activities_changed(activity_ids):
    # Named in settings by the apps above this one (overlap detection), as an activity's
    # own save does; the outbox publishes them after commit. The counts kept for the
    # register (the coverage matrices count joint initiatives) go stale as after a save;
    # "activities" is the register's kind (activities.models.REGISTER, an app above).
    if activity_ids:
        tallies.changed("activities")
    for activity_id in activity_ids:
        for task_name in settings.ACTIVITY_CHANGED_TASKS:
            outbox.enqueue(task_name, activity_id)


@transaction.atomic
def initiative_withdraw(initiative, *, by):
    """Withdraw ("delete") an initiative; returns how many activities it unlinked.

    The row and its history stay, restorable by the secretariat for RESTORE_DAYS
    (common.softdelete). Its activities stay in the register, unlinked while it is
    withdrawn (remembered in `withdrawn_links` for a restore), and are announced as
    changed, so that their overlap checks stop counting them as one initiative's work.
    The pair it was made from is unlinked too, so that a new one may be made from it.
    """
    locked = JointInitiative.objects.select_for_update().filter(pk=initiative.pk).first()
    if locked is None:
        return 0  # already withdrawn
    activity_ids = sorted(_linked_activities(locked).values_list("pk", flat=True))
    _linked_activities(locked).update(initiative=None)
    pairs = _source_pairs().filter(initiative=locked)
    pair_id = pairs.values_list("pk", flat=True).first()
    pairs.update(initiative=None)
    now = timezone.now()
    JointInitiative.all_objects.filter(pk=locked.pk).update(
        deleted_at=now,
        deleted_by=by,
        withdrawn_links={"activities": activity_ids, "pair": pair_id},
    )
    _record(locked, InitiativeEvent.Kind.DELETED, by=by)
    _announce_activities_changed(activity_ids)
    initiative.deleted_at, initiative.deleted_by = now, by
    return len(activity_ids)


@transaction.atomic
def initiative_restore(initiative, *, by):
    """Bring back an initiative withdrawn less than RESTORE_DAYS ago, with the activities
    it had (those not linked to another initiative since); RestoreRefused past that."""
    locked = JointInitiative.all_objects.select_for_update().filter(pk=initiative.pk).first()
    if locked is None or locked.deleted_at is None:
        return locked or initiative
    if not softdelete.is_restorable(locked.deleted_at):
        raise RestoreRefused(
            _(
                "This joint initiative was deleted more than %(days)d days ago and can no "
                "longer be restored."
            )
            % {"days": softdelete.RESTORE_DAYS}
        )
    links = locked.withdrawn_links or {}
    activities = JointInitiative.activities.rel.related_model.all_objects.filter(
        pk__in=links.get("activities", []), initiative__isnull=True
    )
    relinked = sorted(activities.values_list("pk", flat=True))
    activities.update(initiative=locked)
    if links.get("pair"):
        # Unless the pair has had a new initiative made from it meanwhile.
        _source_pairs().filter(pk=links["pair"], initiative__isnull=True).update(initiative=locked)
    locked.deleted_at, locked.deleted_by, locked.withdrawn_links = None, None, {}
    locked.version += 1
    locked.save(update_fields=["deleted_at", "deleted_by", "withdrawn_links", "version"])
    _record(locked, InitiativeEvent.Kind.RESTORED, by=by)
    _announce_activities_changed(relinked)
    return locked
