"""Reads of common positions for the pages of other apps: a priority's page, and what needs
an agency's (or the secretariat's) attention in the digest and on the home page."""

import datetime

from django.db.models import Case, CharField, DateField, F, Value, When

from .models import Position

# A consultation whose comment deadline is this close is "comments due".
COMMENTS_DUE_DAYS = 14

# What a position asks of the reader, in `needing_attention` rows (`attention`).
ENDORSE, COMMENT, ADOPT = "endorse", "comment", "adopt"


def for_priority(priority, user):
    """The positions serving `priority` that this person may read, latest first."""
    return (
        Position.objects.visible_to(user)
        .under_priority(priority)
        .select_related("lead_agency")
        .order_by("-updated_at", "pk")
    )


def needing_attention(agency, today):
    """Positions asking something of `agency` now, as one queryset, soonest deadline first:
    those awaiting its head's endorsement, and the consultations whose comment deadline is
    within COMMENTS_DUE_DAYS that it has not commented on yet. For the secretariat (agency
    None): the positions ready to adopt.

    Each row carries `attention` (ENDORSE, COMMENT or ADOPT) and `due` (the deadline that
    applies). One query when evaluated.
    """
    if agency is None:
        rows = Position.objects.ready_to_adopt(today)
        kind = Value(ADOPT, output_field=CharField())
    else:
        until = today + datetime.timedelta(days=COMMENTS_DUE_DAYS)
        endorse = Position.objects.awaiting_endorsement_by(agency)
        comment = Position.objects.comments_due_from(agency, today, until)
        rows = Position.objects.filter(pk__in=endorse.values("pk")) | Position.objects.filter(
            pk__in=comment.values("pk")
        )
        kind = Case(
            When(status=Position.Status.ENDORSEMENT, then=Value(ENDORSE)),
            default=Value(COMMENT),
            output_field=CharField(),
        )
    return rows.annotate(
        attention=kind,
        due=Case(
            When(status=Position.Status.CONSULTATION, then=F("comment_deadline")),
            default=F("endorsement_deadline"),
            output_field=DateField(),
        ),
    )


__all__ = ["COMMENTS_DUE_DAYS", "for_priority", "needing_attention"]
