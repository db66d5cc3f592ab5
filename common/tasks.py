from celery import shared_task


@shared_task(ignore_result=True)
def drain_outbox():
    """Every minute: publish the tasks whose publication failed at commit time."""
    from . import outbox

    return outbox.drain()


@shared_task(ignore_result=True)
def heartbeat():
    """Every minute: tells /healthz/ that beat schedules and a worker runs tasks."""
    from . import health

    health.beat()
