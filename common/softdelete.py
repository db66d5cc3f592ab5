"""Soft deletion ("withdrawal") shared by activities and joint initiatives.

A withdrawn record keeps its row: other people's work points at it (an overlap pair, its
decision and comments), and the secretariat may restore it for RESTORE_DAYS. The default
manager hides it, so every list, count, scan and export leaves it out without each one
having to remember; `all_objects` (also the base manager, so that a pair's foreign key
still resolves) sees it.
"""

import datetime

from django.db import models
from django.utils import timezone

# How long the secretariat may restore a withdrawn record. Past it the row stays as a
# tombstone (pairs still point at it) and the restore service refuses.
RESTORE_DAYS = 30


def restore_deadline(deleted_at):
    return deleted_at + datetime.timedelta(days=RESTORE_DAYS)


def is_restorable(deleted_at, now=None):
    if deleted_at is None:
        return False
    return (now or timezone.now()) < restore_deadline(deleted_at)


def can_restore(user):
    """The one rule for who sees withdrawn records and restores them: the secretariat."""
    return bool(user.is_authenticated and user.is_active and user.is_secretariat)


class SoftDeleteQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def withdrawn(self):
        return self.filter(deleted_at__isnull=False)

    def restorable(self, now=None):
        """Withdrawn within the last RESTORE_DAYS: what the secretariat may still restore."""
        since = (now or timezone.now()) - datetime.timedelta(days=RESTORE_DAYS)
        return self.filter(deleted_at__gte=since)


class AliveManager(models.Manager):
    """The default manager: records not withdrawn."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)
