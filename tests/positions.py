"""Common positions made as the portal makes them, through the services, for the tests."""

import datetime

from django.utils import timezone

from agencies.models import Agency, Role
from positions import services
from positions.models import Position
from priorities.models import Priority

from .factories import UserFactory

TEXT = (
    "The member agencies of the Global Migration Group call on States to protect the "
    "rights of all migrant workers.\n\n"
    "Recruitment fees should never be charged to workers."
)


def priorities(codes="hi"):
    return list(Priority.objects.filter(code__in=codes))


def draft(lead, *, by=None, title="Joint statement on fair recruitment", text=TEXT, **fields):
    fields.setdefault("priorities", priorities())
    return services.position_create(title=title, lead_agency=lead, text=text, by=by, **fields)


def in_days(days):
    return timezone.localdate() + datetime.timedelta(days=days)


def consulted(lead, *, by=None, deadline_in=14, **fields):
    """A position put to consultation, its comments open until `deadline_in` days from now."""
    position = draft(lead, by=by, **fields)
    return services.position_transition(
        position, to=Position.Status.CONSULTATION, by=by, deadline=in_days(deadline_in)
    )


def in_endorsement(lead, *, by=None, deadline_in=21, **fields):
    """A position put to endorsement: every active agency asked, until `deadline_in` days."""
    position = consulted(lead, by=by, **fields)
    return services.position_transition(
        position, to=Position.Status.ENDORSEMENT, by=by, deadline=in_days(deadline_in)
    )


def answer(position, acronym, endorse=True, by=None, note=""):
    endorsement = position.endorsements.get(agency__acronym=acronym)
    return services.endorsement_answer(endorsement, endorse=endorse, by=by, note=note)


def head_of(acronym, email=None):
    agency = Agency.objects.get(acronym=acronym)
    slug = acronym.lower().replace(" ", "")
    return UserFactory(
        email=email or f"head@{slug}.example",
        full_name=f"Head of {acronym}",
        agency=agency,
        role=Role.HEAD,
    )
