from celery import shared_task


@shared_task(ignore_result=True)
def prune_security_log():
    """Daily: the security log keeps SECURITY_LOG_DAYS of events (idempotent)."""
    from . import security_log

    return security_log.prune()
