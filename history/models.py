"""The event models: one per tracked table, each filled by PostgreSQL triggers (pghistory).

Triggers, not signals, because they see every write path: the services, conditional
`.update()`s, the Django admin, imports, `bulk_create` and raw SQL alike. Each event is a
snapshot of the row's tracked fields after an insert or update, or before a delete; an update
that changes none of the tracked fields writes nothing. Bookkeeping that changes on every save
(versions, "last changed" stamps, search vectors, tallies) is left out, and so are secrets
(password hashes, invitation and calendar token hashes).

Many-to-many links (an activity's regions, an initiative's participants, …) are tracked on
their link tables: adding a link writes an "add" event, removing it a "remove" event.
"""

import pghistory
from django.core.exceptions import ImproperlyConfigured

from activities.models import Activity
from agencies.models import Agency, Invitation, User
from capacity.models import Training, TrainingParticipants, Transfer
from governance.models import ActionPoint, AgendaItem, Chairmanship, Meeting, WorkingGroup
from initiatives.models import JointInitiative, Milestone, Participation
from library.models import LibraryItem
from overlaps.models import FlagComment, OverlapFlag
from positions.models import Endorsement, Position, PositionComment, PositionVersion
from processes.models import Contribution, Process
from processes.models import Event as GatheringOfProcess
from states.models import Engagement, FollowUp, SupportRequest

# Changes on every save, or is derived from other fields: never worth an event of its own.
BOOKKEEPING = {
    "version",
    "updated_at",
    "updated_by",
    "search_vector",
    "priority_mask",
    "scored_at",
    "notified_at",
    "reminded_at",
    "overdue_notified_for",
}
# Never copied into history: whoever reads an event must not learn a credential from it.
SECRETS = {"password", "last_login", "token_hash", "token"}


def row_trackers():
    # New ones for each model: a tracker keeps the field list of the model it was set up on.
    return (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


# tracked model -> (event model name, fields to keep or None for all but the excluded)
TRACKED = {
    Activity: ("ActivityEvent", None),
    Agency: ("AgencyEvent", None),
    User: (
        "UserEvent",
        [
            "email",
            "full_name",
            "agency",
            "role",
            "is_active",
            "is_staff",
            "is_superuser",
            "deactivated_at",
            "deactivated_by",
        ],
    ),
    Invitation: ("InvitationEvent", None),
    JointInitiative: ("JointInitiativeEvent", None),
    Participation: ("ParticipationEvent", None),
    Milestone: ("MilestoneEvent", None),
    # A pair's decision, not its score: the nightly scan rescoring thousands of pairs is not
    # a change anyone made.
    OverlapFlag: (
        "OverlapFlagEvent",
        [
            "activity_a",
            "activity_b",
            "status",
            "decision_note",
            "decided_by",
            "decided_at",
            "initiative",
        ],
    ),
    FlagComment: ("FlagCommentEvent", None),
    Position: ("PositionEvent", None),
    PositionVersion: ("PositionVersionEvent", None),
    PositionComment: ("PositionCommentEvent", None),
    Endorsement: ("EndorsementEvent", None),
    Process: ("ProcessEvent", None),
    GatheringOfProcess: ("ProcessEventEvent", None),
    Contribution: ("ContributionEvent", None),
    Engagement: ("EngagementEvent", None),
    FollowUp: ("FollowUpEvent", None),
    SupportRequest: ("SupportRequestEvent", None),
    Training: ("TrainingEvent", None),
    TrainingParticipants: ("TrainingParticipantsEvent", None),
    Transfer: ("TransferEvent", None),
    Meeting: ("MeetingEvent", None),
    AgendaItem: ("AgendaItemEvent", None),
    ActionPoint: ("ActionPointEvent", None),
    Chairmanship: ("ChairmanshipEvent", None),
    WorkingGroup: ("WorkingGroupEvent", None),
    LibraryItem: ("LibraryItemEvent", None),
}

# (model, many-to-many field) -> event model name
TRACKED_LINKS = {
    (Activity, "countries"): "ActivityCountryEvent",
    (Activity, "regions"): "ActivityRegionEvent",
    (Activity, "priorities"): "ActivityPriorityEvent",
    (Activity, "target_groups"): "ActivityTargetGroupEvent",
    (Activity, "themes"): "ActivityThemeEvent",
    (Activity, "partners"): "ActivityPartnerEvent",
    (JointInitiative, "participating_agencies"): "JointInitiativeAgencyEvent",
    (JointInitiative, "priorities"): "JointInitiativePriorityEvent",
    (Position, "priorities"): "PositionPriorityEvent",
    (Contribution, "priorities"): "ContributionPriorityEvent",
    (Contribution, "agencies"): "ContributionAgencyEvent",
    (Engagement, "agencies"): "EngagementAgencyEvent",
    (Engagement, "priorities"): "EngagementPriorityEvent",
    (Engagement, "activities"): "EngagementActivityEvent",
    (SupportRequest, "priorities"): "SupportRequestPriorityEvent",
    (Training, "organisers"): "TrainingOrganiserEvent",
    (Training, "priorities"): "TrainingPriorityEvent",
    (Transfer, "priorities"): "TransferPriorityEvent",
    (WorkingGroup, "co_chairs"): "WorkingGroupCoChairEvent",
    (WorkingGroup, "members"): "WorkingGroupMemberEvent",
    (LibraryItem, "agencies"): "LibraryItemAgencyEvent",
    (LibraryItem, "priorities"): "LibraryItemPriorityEvent",
    (LibraryItem, "countries"): "LibraryItemCountryEvent",
    (LibraryItem, "themes"): "LibraryItemThemeEvent",
}


def _track(model, model_name, fields):
    names = [f.name for f in model._meta.local_fields]
    if fields is None:
        fields = [n for n in names if n not in BOOKKEEPING | SECRETS]
    if set(fields) & SECRETS:
        raise ImproperlyConfigured(f"{model._meta.label}: a secret would be copied into history")
    return pghistory.create_event_model(
        model,
        *row_trackers(),
        fields=fields,
        # No reverse accessor on the tracked model: several of them already have `events`.
        obj_field=pghistory.ObjForeignKey(related_name="+"),
        app_label="history",
        model_name=model_name,
        abstract=False,
        # History that loses nothing: a trigger refuses to change or delete an event.
        append_only=True,
        meta={"ordering": ["pgh_id"]},
    )


def _track_link(model, field_name, model_name):
    through = model._meta.get_field(field_name).remote_field.through
    return pghistory.create_event_model(
        through,
        pghistory.InsertEvent("add"),
        pghistory.DeleteEvent("remove"),
        # A link row has no page of its own: its events are read by the owning record's id.
        obj_field=None,
        app_label="history",
        model_name=model_name,
        abstract=False,
        # History that loses nothing: a trigger refuses to change or delete an event.
        append_only=True,
        meta={"ordering": ["pgh_id"]},
    )


EVENT_MODELS = {model: _track(model, name, fields) for model, (name, fields) in TRACKED.items()}
LINK_EVENT_MODELS = {key: _track_link(*key, name) for key, name in TRACKED_LINKS.items()}
