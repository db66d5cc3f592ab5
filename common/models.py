from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A Celery task to publish, written in the same transaction as the change that needs it.

    If the broker is down when the transaction commits, the row stays and the beat's
    `drain_outbox` publishes it later: a saved change never loses its follow-up work,
    and a broker outage never turns a save into an error page.
    """

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")

    def __str__(self):
        return f"{self.task}{tuple(self.args)}"


class Tracked(models.Model):
    """Who made a record and who last changed it, and when; set by the services.

    `version` rises with every change; an edit form carries it, so that a stale form cannot
    overwrite a colleague's save.
    """

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("last changed"), default=timezone.now, editable=False)
    # Kept when the person leaves: the record still says a person made it.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    # The field each table constraint is about, so that its message shows beside that field.
    CONSTRAINT_FIELDS = {}

    class Meta:
        abstract = True

    def validate_constraints(self, exclude=None):
        """Django's check of the table constraints, with each message on its field.

        Django files a constraint over several fields under no field; a person needs it
        beside the field to correct.
        """
        using = router.db_for_write(type(self), instance=self)
        errors = {}
        for constraint in self._meta.constraints:
            try:
                constraint.validate(type(self), self, exclude=exclude, using=using)
            except ValidationError as exc:
                field = self.CONSTRAINT_FIELDS.get(constraint.name, NON_FIELD_ERRORS)
                errors.setdefault(field, []).extend(exc.error_list)
        if errors:
            raise ValidationError(errors)
