"""Reads for other apps' pages (a priority's page). A fixed number of queries, whatever the
number of rows."""

from dataclasses import dataclass

from django.urls import reverse

from common.previews import Batch, Preview

from .models import Training, Transfer

# How many of each a priority's page lists before "see all".
PRIORITY_PREVIEW = 10


@dataclass
class PrioritySection:
    training_preview: Preview
    training_url: str
    transfer_preview: Preview
    transfer_url: str

    @property
    def trainings(self):
        return self.training_preview.rows

    @property
    def training_total(self):
        return self.training_preview.total

    @property
    def transfers(self):
        return self.transfer_preview.rows

    @property
    def transfer_total(self):
        return self.transfer_preview.total


def for_priority(priority, user, batch=None):
    """The latest joint trainings and transfers serving `priority`, how many of each there
    are, and the lists of all. Every one serves (l) (the services see to it). Read with
    the page's other previews when it passes its `batch` (filled when the page runs it),
    else at once in one query. Their agencies and priorities are left to the page, which
    reads every section's in one query (common.links.attach_many)."""
    own = batch is None
    batch = Batch() if own else batch
    trainings = Training.objects.visible_to(user).under_priority(priority)
    transfers = Transfer.objects.visible_to(user).under_priority(priority)
    # In their lists' order (the models' own).
    trainings = batch.add(
        trainings.with_list_relations(), Training._meta.ordering, PRIORITY_PREVIEW
    )
    transfers = batch.add(
        transfers.with_list_relations(), Transfer._meta.ordering, PRIORITY_PREVIEW
    )
    if own:
        batch.run()
    query = f"?priority={priority.code}"
    return PrioritySection(
        training_preview=trainings,
        training_url=reverse("capacity:training-list") + query,
        transfer_preview=transfers,
        transfer_url=reverse("capacity:transfer-list") + query,
    )
