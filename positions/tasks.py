"""Thin Celery tasks: they take ids (or nothing), call a service, and are safe to run twice."""

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def notify_position_event(event_id):
    """Email the agencies when a position is put to consultation or to endorsement.

    Published through the outbox when the step commits; the service claims the event
    before sending, so a task delivered twice sends nothing twice.
    """
    from . import services

    return services.notify_position_event(event_id)


@shared_task(acks_late=True)
def send_endorsement_reminders():
    """Every day (the beat): remind the heads who have not answered, a week before the
    endorsement deadline. The service marks who was reminded, so nobody is reminded twice."""
    from . import services

    return services.send_endorsement_reminders()
