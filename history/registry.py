"""The records that have a history page: for each kind, its read gate and its events.

A kind's page shows the record's own events, those of the records that belong to it (an
initiative's milestones, a pair's comments, …) and those of its many-to-many links. The
gate is the one the record's own page calls, so the history page refuses exactly whom the
record page refuses.
"""

from dataclasses import dataclass, field

from django.shortcuts import get_object_or_404

from activities import access as activities_access
from agencies import access as agencies_access
from agencies.models import Agency
from capacity import access as capacity_access
from governance import access as governance_access
from governance.models import WorkingGroup
from initiatives import access as initiatives_access
from library import access as library_access
from overlaps import access as overlaps_access
from positions import access as positions_access
from processes import access as processes_access
from processes.models import Process
from states import access as states_access

from . import models as events


@dataclass(frozen=True)
class Kind:
    # (user, pk) -> the record, or 404/403 exactly as the record's own page
    gate: object
    # the record's own event model
    own: type
    # (event model, field naming the record) for the records that belong to it
    parts: tuple = ()
    # many-to-many fields of the record whose links are tracked
    links: tuple = field(default=())

    @property
    def model(self):
        return self.own.pgh_tracked_model

    def link_models(self):
        """(m2m field, event model of its link table) for each tracked link."""
        for name in self.links:
            m2m = self.model._meta.get_field(name)
            yield m2m, events.LINK_EVENT_MODELS[(self.model, name)]


def _by_slug(model, gate):
    """A gate keyed by slug, for a page keyed by id."""

    def by_pk(user, pk):
        slug = get_object_or_404(model.objects.values_list("slug", flat=True), pk=pk)
        return gate(user, slug)

    return by_pk


def _agency(user, pk):
    return agencies_access.get_agency(
        get_object_or_404(Agency.objects.values_list("slug", flat=True), pk=pk)
    )


E = events.EVENT_MODELS
ev = {model._meta.label: event_model for model, event_model in E.items()}

KINDS = {
    "activity": Kind(
        gate=activities_access.get_activity_for_user,
        own=ev["activities.Activity"],
        links=("countries", "regions", "priorities", "target_groups", "themes", "partners"),
    ),
    "initiative": Kind(
        gate=initiatives_access.get_initiative_for_user,
        own=ev["initiatives.JointInitiative"],
        parts=(
            (ev["initiatives.Participation"], "initiative"),
            (ev["initiatives.Milestone"], "initiative"),
        ),
        links=("participating_agencies", "priorities"),
    ),
    "pair": Kind(
        gate=overlaps_access.get_flag_for_user,
        own=ev["overlaps.OverlapFlag"],
        parts=((ev["overlaps.FlagComment"], "flag"),),
    ),
    "agency": Kind(gate=_agency, own=ev["agencies.Agency"]),
    "person": Kind(gate=agencies_access.get_person_for_user, own=ev["agencies.User"]),
    "position": Kind(
        gate=positions_access.get_position_for_user,
        own=ev["positions.Position"],
        parts=(
            (ev["positions.PositionVersion"], "position"),
            (ev["positions.PositionComment"], "position"),
            (ev["positions.Endorsement"], "position"),
        ),
        links=("priorities",),
    ),
    "process": Kind(
        gate=_by_slug(Process, processes_access.get_process_for_user),
        own=ev["processes.Process"],
    ),
    "process-event": Kind(gate=processes_access.get_event_for_user, own=ev["processes.Event"]),
    "contribution": Kind(
        gate=processes_access.get_contribution_for_user,
        own=ev["processes.Contribution"],
        links=("priorities", "agencies"),
    ),
    "engagement": Kind(
        gate=states_access.get_engagement_for_user,
        own=ev["states.Engagement"],
        parts=((ev["states.FollowUp"], "engagement"),),
        links=("agencies", "priorities", "activities"),
    ),
    "request": Kind(
        gate=states_access.get_request_for_user,
        own=ev["states.SupportRequest"],
        links=("priorities",),
    ),
    "training": Kind(
        gate=capacity_access.get_training_for_user,
        own=ev["capacity.Training"],
        parts=((ev["capacity.TrainingParticipants"], "training"),),
        links=("organisers", "priorities"),
    ),
    "transfer": Kind(
        gate=capacity_access.get_transfer_for_user,
        own=ev["capacity.Transfer"],
        links=("priorities",),
    ),
    "meeting": Kind(
        gate=governance_access.get_meeting_for_user,
        own=ev["governance.Meeting"],
        parts=(
            (ev["governance.AgendaItem"], "meeting"),
            (ev["governance.ActionPoint"], "meeting"),
        ),
    ),
    "working-group": Kind(
        gate=_by_slug(WorkingGroup, governance_access.get_working_group_for_user),
        own=ev["governance.WorkingGroup"],
        links=("co_chairs", "members"),
    ),
    "library-item": Kind(
        gate=library_access.get_item_for_user,
        own=ev["library.LibraryItem"],
        links=("agencies", "priorities", "countries", "themes"),
    ),
}
