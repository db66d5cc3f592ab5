"""The twelve priorities of the GMG Terms of Reference and the vocabularies drawn from them."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Priority(models.Model):
    class Group(models.TextChoices):
        KEY = "key", _("Key priorities")
        ENGAGED = "engaged", _("In addition, engaged in")

    code = models.CharField(_("code"), max_length=1, unique=True)
    short_title = models.CharField(_("short title"), max_length=120)
    text = models.TextField(_("text of the Terms of Reference"))
    group = models.CharField(_("group"), max_length=10, choices=Group.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__in=list("abcdefghijkl")), name="priority_code_a_to_l"
            ),
        ]

    def __str__(self):
        return f"({self.code}) {self.short_title}"

    def get_absolute_url(self):
        return reverse("priority-detail", args=[self.code])


class Vocabulary(models.Model):
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120, unique=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name


class TargetGroup(Vocabulary):
    """Who an activity serves; drawn from priority (d) of the ToR."""

    class Meta(Vocabulary.Meta):
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")


class Theme(Vocabulary):
    """What an activity is about; drawn from priority (g) of the ToR."""

    class Meta(Vocabulary.Meta):
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
