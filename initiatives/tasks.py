"""Thin Celery tasks: they take ids, call a service, and are safe to run twice."""

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def notify_initiative_event(event_id):
    """Email the agencies concerned by an invitation, an answer or a status change.

    Published through the outbox when the change commits; the service claims the event
    before sending, so a task delivered twice sends nothing twice.
    """
    from . import services

    return services.notify_initiative_event(event_id)
