"""Reads for other apps' pages (a priority's page). A fixed number of queries, whatever the
number of rows."""

from dataclasses import dataclass

from django.urls import reverse

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
    are, and the lists of all. Every one serves (l) (the services see to it)."""
    trainings = Training.objects.visible_to(user).under_priority(priority)
    transfers = Transfer.objects.visible_to(user).under_priority(priority)
    query = f"?priority={priority.code}"
    return PrioritySection(
        trainings=list(trainings.with_list_relations()[:PRIORITY_PREVIEW]),
        training_total=trainings.count(),
        training_url=reverse("capacity:training-list") + query,
        transfers=list(transfers.with_list_relations()[:PRIORITY_PREVIEW]),
        transfer_total=transfers.count(),
        transfer_url=reverse("capacity:transfer-list") + query,
    )
