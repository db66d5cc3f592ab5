from celery import shared_task


@shared_task(ignore_result=True)
def drain_outbox():
    """Every minute: publish the tasks whose publication failed at commit time."""
    from . import outbox

    return outbox.drain()
