"""Countries (ISO 3166-1) and UN M49 regions.

Both tables are reference data loaded from maintained packages by a data
migration (geo/loader.py), never typed by hand.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Country(models.Model):
    iso3 = models.CharField(_("ISO 3166-1 alpha-3"), max_length=3, primary_key=True)
    iso2 = models.CharField(_("ISO 3166-1 alpha-2"), max_length=2, unique=True)
    m49 = models.CharField(_("M49 code"), max_length=3, blank=True)
    name = models.CharField(_("name"), max_length=100)
    name_fr = models.CharField(_("name (French)"), max_length=100, blank=True)
    name_es = models.CharField(_("name (Spanish)"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self):
        return self.name


class Region(models.Model):
    class Level(models.IntegerChoices):
        WORLD = 0, _("World")
        REGION = 1, _("Region")
        SUBREGION = 2, _("Sub-region")
        INTERMEDIATE = 3, _("Intermediate region")

    WORLD_CODE = "001"

    code = models.CharField(_("M49 code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    countries = models.ManyToManyField(Country, related_name="regions", blank=True)

    class Meta:
        ordering = ["level", "name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return self.name

    def ancestors(self):
        """The wider regions containing this one, nearest first (at most three)."""
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def place_condition(self, path=""):
        """The condition for work placed in this region: named for the region itself, for
        one of its countries, or for a wider region containing it.

        `path` leads from the model filtered to the one with `countries` and `regions`
        (e.g. "activities__"), so that every list counts a region's work the same way.
        """
        return (
            Q(**{f"{path}regions": self})
            | Q(**{f"{path}countries__regions": self})
            | Q(**{f"{path}regions__in": self.ancestors()})
        )

    @property
    def is_world(self):
        return self.code == self.WORLD_CODE
