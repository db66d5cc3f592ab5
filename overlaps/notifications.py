"""Who is told about a pair's decision, comment or joint initiative, and what the email says.

Pure reads: `review.notify_pair_event` sends. The people of a pair are the focal points of
both agencies and the contacts named on both activities (`contact_email`); the person who
acted is not told what they just did, and those who chose "in my digest only" are left to
their digest (`PairEvent.objects.for_digest`).
"""

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from agencies.models import PairNotifications, Role, User


def recipients(event):
    """[(address, person or None)] to email at once about `event`: one per address, sorted."""
    flag = event.flag
    activities = (flag.activity_a, flag.activity_b)
    agency_ids = {activity.agency_id for activity in activities}
    contacts = {
        activity.contact_email.strip().lower()
        for activity in activities
        if activity.contact_email and activity.contact_email.strip()
    }
    wanted = Q(agency_id__in=agency_ids, role=Role.FOCAL_POINT, is_active=True)
    for address in contacts:
        wanted |= Q(email__iexact=address)
    people = list(User.objects.filter(wanted))
    by_address = {person.email.lower(): person for person in people}

    chosen = {}
    for person in people:
        if person.is_active and person.role == Role.FOCAL_POINT and person.agency_id in agency_ids:
            chosen[person.email.lower()] = person
    for address in contacts:
        person = by_address.get(address)
        if person is not None and not person.is_active:
            continue  # a contact who has left the portal: the address is theirs no more
        chosen.setdefault(address, person)

    actor = event.actor
    if actor is not None:
        chosen.pop(actor.email.lower(), None)
    return sorted(
        (address, person)
        for address, person in chosen.items()
        if person is None or person.pair_notifications != PairNotifications.DIGEST
    )


def email_context(event):
    """What the pair_event email templates need, for every recipient alike."""
    flag = event.flag
    context = {
        "event": event,
        "flag": flag,
        "activity_a": flag.activity_a,
        "activity_b": flag.activity_b,
        "actor": event.actor,
        "pair_url": settings.SITE_URL + flag.get_absolute_url(),
        "settings_url": settings.SITE_URL + reverse("overlaps:notification-settings"),
    }
    if event.status:
        context["decision"] = flag.Status(event.status).label
    if event.initiative is not None:
        context["initiative_url"] = settings.SITE_URL + event.initiative.get_absolute_url()
    return context
