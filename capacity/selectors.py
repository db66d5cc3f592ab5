"""Reads for other apps' pages (a priority's page). A fixed number of queries, whatever the
number of rows."""

from dataclasses import dataclass

from django.urls import reverse

from common.previews import first_rows

from .models import Training, Transfer

# How many of each a priority's page lists before "see all".
PRIORITY_PREVIEW = 10


@dataclass
class PrioritySection:
    trainings: list
    training_total: int
    training_url: str
    transfers: list
    transfer_total: int
    transfer_url: str


def for_priority(priority, user):
    """The latest joint trainings and transfers serving `priority`, how many of each there
    are, and the lists of all. Every one serves (l) (the services see to it).
    Their agencies and priorities are left to the page, which
    reads every section's in one query (common.links.attach_many)."""
    trainings, training_total = first_rows(
        Training.objects.visible_to(user)
        .under_priority(priority)
        .with_list_relations()
        .prefetch_related(None),
        PRIORITY_PREVIEW,
    )
    transfers, transfer_total = first_rows(
        Transfer.objects.visible_to(user)
        .under_priority(priority)
        .with_list_relations()
        .prefetch_related(None),
        PRIORITY_PREVIEW,
    )
    query = f"?priority={priority.code}"
    return PrioritySection(
        trainings=trainings,
        training_total=training_total,
        training_url=reverse("capacity:training-list") + query,
        transfers=transfers,
        transfer_total=transfer_total,
        transfer_url=reverse("capacity:transfer-list") + query,
    )
