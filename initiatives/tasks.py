"""Thin Celery tasks: they take ids, call a service, and are safe to run twice."""

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def notify_initiative_event(event_id):
    """Email the agencies concerned by an invitation, an answer, a status change or an
    overdue milestone.

    Published through the outbox when the change commits; the service claims the event
    before sending, so a task delivered twice sends nothing twice.
    """
    from . import services

    return services.notify_initiative_event(event_id)


@shared_task(acks_late=True)
def notify_overdue_milestones():
    """Daily (the beat): report the milestones that passed their due date undone.

    The service marks each milestone in the transaction that queues its email through the
    outbox, so a second run, at once or overlapping, reports nothing twice. Returns how many
    milestones it reported.
    """
    from . import services

    return services.notify_overdue_milestones()
