from django.conf import settings
from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connections, models, router
from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, Lower
from django.db.models.query import ModelIterable
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.cached import agencies as agencies_cached
from common import tallies
from common.search import filter_words
from common.softdelete import AliveManager, SoftDeleteQuerySet
from geo.cached import countries as countries_cached
from geo.cached import regions as regions_cached
from geo.models import Region
from priorities.cached import priorities as priorities_cached
from priorities.cached import target_groups as target_groups_cached
from priorities.cached import themes as themes_cached

# The PostgreSQL text-search configuration for each language a record can be written in:
# its stemmer and stop words. A record's words and a query are stemmed with the same one.
SEARCH_CONFIGS = {"en": "english", "fr": "french", "es": "spanish"}

# The name under which counts of the register are kept in the cache (common.tallies).
REGISTER = "activities"


class ActivityQuerySet(SoftDeleteQuerySet):
    def visible_to(self, user):
        # Everyone signed in reads every activity; the gate is here so that
        # a later rule (embargoed drafts, say) changes one place.
        if not user.is_authenticated:
            return self.none()
        return self

    def of_agency(self, agency):
        return self.filter(agency=agency)

    def under_priority(self, priority):
        return self.filter(priorities=priority)

    def in_country(self, country):
        """Activities that work in a country: named directly or through a region covering it."""
        # EXISTS rather than joins: joins repeat an activity once per path to the country,
        # and the DISTINCT that undoes it sorts every wide row matched (a page of the
        # list, and its count, at 100,000 activities: docs/performance.md).
        named = Activity.countries.through.objects.filter(activity=OuterRef("pk"), country=country)
        covering = Activity.regions.through.objects.filter(
            activity=OuterRef("pk"), region__countries=country
        )
        return self.filter(Exists(named) | Exists(covering))

    def in_region(self, region):
        """Activities in a region: the region itself, one of its countries, or a wider region.

        That is what the activity's places (ActivityPlace, kept by the services) record, so
        the list reads them, as the coverage matrices do: a cell's number and the list
        behind it are then the same by construction, and one index answers the filter.
        """
        return self.filter(
            Exists(ActivityPlace.objects.filter(activity=OuterRef("pk"), region=region))
        )

    def running_between(self, start, end):
        """Overlapping the period [start, end]; either bound may be None (open)."""
        qs = self
        if end:
            qs = qs.filter(start_date__lte=end)
        if start:
            qs = qs.filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        return qs

    def with_reference(self, agency, reference):
        """The activity of `agency` with `reference`, capitals aside, as the database compares."""
        return self.alias(reference_lower=Lower("reference")).filter(
            agency=agency, reference_lower=Lower(Value(reference))
        )

    def with_list_relations(self, attach=True):
        """With what a list shows of each activity: its agency, priorities and places.

        The priorities, countries and regions are read in one query for the whole list
        (`attach_list_relations`), not one query each. `attach=False`: the caller attaches
        them itself, so that a page with several lists reads them all in that one query.
        """
        # The search vector is only ever read by the database; a list need not carry it.
        qs = self.defer("search_vector").select_related("agency")
        qs._attaches_list_relations = attach
        return qs

    _attaches_list_relations = False

    def _clone(self):
        clone = super()._clone()
        clone._attaches_list_relations = self._attaches_list_relations
        return clone

    def _fetch_all(self):
        # Where Django runs prefetch_related: once per evaluation, for model instances only.
        fresh = self._result_cache is None
        super()._fetch_all()
        if fresh and self._attaches_list_relations and self._iterable_class is ModelIterable:
            attach_list_relations(self._result_cache)

    def search(self, text):
        """Activities matching the words of `text`, best first where the database can rank.

        PostgreSQL: full-text search (websearch syntax: "a phrase", -excluded, or).
        Elsewhere (SQLite for local development): every word, as a substring.
        """
        if connections[self.db].vendor == "postgresql":
            return self.search_fulltext(text)
        return self.search_words(text)

    def search_fulltext(self, text):
        """Full-text match on the stored `search_vector`, ranked as `search_rank`.

        Each record is matched by a query stemmed in the record's own language: one
        condition per language, each of which the GIN index on the vector answers.
        """
        matches, ranks = Q(), []
        for language, config in SEARCH_CONFIGS.items():
            query = SearchQuery(text, search_type="websearch", config=config)
            matches |= Q(language=language, search_vector=query)
            ranks.append(When(language=language, then=SearchRank(F("search_vector"), query)))
        rank = Case(*ranks, default=Value(0.0), output_field=FloatField())
        return (
            self.filter(matches)
            .annotate(search_rank=rank)
            .order_by("-search_rank", *self.model._meta.ordering)
        )

    def search_words(self, text):
        """Every word of `text` in the title, description, reference or places (substrings).

        The fallback where there is no full-text search; "a phrase" counts as one word and
        -word excludes, as in the full-text syntax.
        """
        return filter_words(self, text, _activity_word)

    def refresh_search_vector(self):
        """Recompute the stored search vector of these activities, in one UPDATE.

        The services call it for each saved activity; a bulk load calls it once on what
        it loaded. A no-op where there is no full-text search.
        """
        if connections[self.db].vendor != "postgresql":
            return 0
        tallies.changed(REGISTER)
        return self.update(search_vector=_search_vector())

    def refresh_coverage(self):
        """Recompute what the coverage matrices count these activities by: their priority
        mask and their places (ActivityPlace). Two statements and an UPDATE, whatever the
        number of activities.

        The services call it for each saved activity, after its relations; a bulk load
        calls it once on what it loaded.
        """
        mask = (
            Activity.priorities.through.objects.filter(activity_id=OuterRef("pk"))
            .values("activity_id")
            # An activity names a priority once (the through table is unique), so a sum is an OR.
            .annotate(mask=Sum(priority_bit(F("priority_id"))))
            .values("mask")
        )
        # Every write to the register passes here (the services after a save, a bulk load
        # after loading): the counts kept for it (common.tallies) go stale at commit.
        tallies.changed(REGISTER)
        self.update(priority_mask=Coalesce(Subquery(mask), Value(0)))
        ids, params = self.order_by().values("pk").query.sql_with_params()
        ActivityPlace.objects.filter(activity__in=self.order_by().values("pk")).delete()
        with connections[self.db].cursor() as cursor:
            cursor.execute(_places_sql(ids), [*params, *params])


# The relations a list shows, with the column of their link table and the cached list
# (common.reference) their rows come from, in the order of the related model's Meta.
LIST_RELATIONS = {
    "priorities": ("priority_id", priorities_cached, lambda p: p.code),
    "countries": ("country_id", countries_cached, lambda c: (c.name, c.pk)),
    "regions": ("region_id", regions_cached, lambda r: (r.level, r.name)),
}


# And what an activity's own page shows besides.
DETAIL_RELATIONS = {
    **LIST_RELATIONS,
    "target_groups": ("targetgroup_id", target_groups_cached, lambda g: g.name),
    "themes": ("theme_id", themes_cached, lambda t: t.name),
    "partners": ("agency_id", agencies_cached, lambda a: a.acronym),
}


def attach_list_relations(activities, relations=LIST_RELATIONS):
    """Give each of `activities` its priorities, countries and regions (or the `relations`
    given), as prefetch_related would, from one query of their link tables and the cached
    reference lists (instead of a query per relation joining its table)."""
    activities = [a for a in activities if a.pk is not None]
    if not activities:
        return
    ids = [a.pk for a in activities]
    links = [
        getattr(Activity, name)
        .through.objects.filter(activity_id__in=ids)
        .annotate(relation=Value(name), ref=Cast(column, models.CharField()))
        .values_list("activity_id", "relation", "ref")
        .order_by()
        for name, (column, _rows, _order) in relations.items()
    ]
    found = {(a.pk, name): [] for a in activities for name in relations}
    for activity_id, relation, ref in links[0].union(*links[1:], all=True):
        found[activity_id, relation].append(ref)
    for activity in activities:
        if not hasattr(activity, "_prefetched_objects_cache"):
            activity._prefetched_objects_cache = {}
    for name, (_column, rows, order) in relations.items():
        # Only the rows these activities name, from the cached list (common.reference).
        by_key = rows.pick({ref for activity in activities for ref in found[activity.pk, name]})
        for activity in activities:
            related = sorted((by_key[ref] for ref in found[activity.pk, name]), key=order)
            # What prefetch_related leaves behind: `activity.<name>.all()` reads this.
            queryset = getattr(activity, name).get_queryset()
            queryset._result_cache, queryset._prefetch_done = related, True
            activity._prefetched_objects_cache[name] = queryset


def priority_bit(priority_id):
    """The bit of a priority in `Activity.priority_mask`: 1 << its primary key.

    The twelve priorities are reference data with keys 1–12; a bigint holds keys up to 62.
    """
    # PostgreSQL shifts a bigint by an integer only.
    shift = Cast(priority_id, models.IntegerField())
    return Value(1, output_field=models.BigIntegerField()).bitleftshift(shift)


def _places_sql(activity_ids_sql):
    """INSERT the ActivityPlace rows of the activities `activity_ids_sql` selects.

    An activity is in a region (at any level) when it names one of the region's countries,
    the region itself or a wider region covering it: as `ActivityQuerySet.in_region`.
    Regions nest at most three deep under World, hence the three parent joins.
    """
    t = {
        "place": ActivityPlace._meta.db_table,
        "countries": Activity.countries.through._meta.db_table,
        "regions": Activity.regions.through._meta.db_table,
        "region": Region._meta.db_table,
        "region_countries": Region.countries.through._meta.db_table,
    }
    # Table names from the models, values as parameters (bandit B608).
    return f"""
        WITH covers AS (
            SELECT r.code AS target, r.level, r.code AS cover FROM {t["region"]} r
            UNION SELECT r.code, r.level, p1.code FROM {t["region"]} r
                JOIN {t["region"]} p1 ON p1.code = r.parent_id
            UNION SELECT r.code, r.level, p2.code FROM {t["region"]} r
                JOIN {t["region"]} p1 ON p1.code = r.parent_id
                JOIN {t["region"]} p2 ON p2.code = p1.parent_id
            UNION SELECT r.code, r.level, p3.code FROM {t["region"]} r
                JOIN {t["region"]} p1 ON p1.code = r.parent_id
                JOIN {t["region"]} p2 ON p2.code = p1.parent_id
                JOIN {t["region"]} p3 ON p3.code = p2.parent_id
        )
        INSERT INTO {t["place"]} (activity_id, region_id, level)
        SELECT ac.activity_id, r.code, r.level
        FROM {t["countries"]} ac
        JOIN {t["region_countries"]} rc ON rc.country_id = ac.country_id
        JOIN {t["region"]} r ON r.code = rc.region_id
        WHERE ac.activity_id IN ({activity_ids_sql})
        UNION
        SELECT ar.activity_id, covers.target, covers.level
        FROM {t["regions"]} ar JOIN covers ON covers.cover = ar.region_id
        WHERE ar.activity_id IN ({activity_ids_sql})
    """  # nosec B608


class Activity(models.Model):
    class Kind(models.TextChoices):
        RESEARCH = "research", _("Research")
        DATA_COLLECTION = "data_collection", _("Data collection and analysis")
        TRAINING = "training", _("Training and capacity building")
        TECHNICAL_ASSISTANCE = "technical_assistance", _("Technical assistance")
        POLICY_DIALOGUE = "policy_dialogue", _("Policy dialogue")
        EVENT = "event", _("Event or meeting")
        PUBLICATION = "publication", _("Publication")
        PROGRAMME = "programme", _("Programme or project")
        ADVOCACY = "advocacy", _("Advocacy")
        OTHER = "other", _("Other")

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        FRENCH = "fr", _("French")
        SPANISH = "es", _("Spanish")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ONGOING = "ongoing", _("Ongoing")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    reference = models.CharField(
        _("reference"),
        max_length=60,
        help_text=_("Your agency's own identifier for this activity."),
    )
    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=Language.choices,
        default=Language.ENGLISH,
        help_text=_("The language the title and description are written in."),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.PROGRAMME)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(
        _("end date"), null=True, blank=True, help_text=_("Leave empty while it is ongoing.")
    )
    countries = models.ManyToManyField(
        "geo.Country", verbose_name=_("countries"), related_name="activities", blank=True
    )
    regions = models.ManyToManyField(
        "geo.Region",
        verbose_name=_("regions"),
        related_name="activities",
        blank=True,
        help_text=_("Whole regions; choose “World” for global work."),
    )
    priorities = models.ManyToManyField(
        "priorities.Priority", verbose_name=_("priorities"), related_name="activities"
    )
    target_groups = models.ManyToManyField(
        "priorities.TargetGroup",
        verbose_name=_("target groups"),
        related_name="activities",
        blank=True,
    )
    themes = models.ManyToManyField(
        "priorities.Theme", verbose_name=_("themes"), related_name="activities", blank=True
    )
    partners = models.ManyToManyField(
        "agencies.Agency",
        verbose_name=_("partner agencies"),
        related_name="partner_activities",
        blank=True,
    )
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    initiative = models.ForeignKey(
        "initiatives.JointInitiative",
        verbose_name=_("joint initiative"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    # Incremented on every save through the services; the edit form carries it
    # so a stale form cannot overwrite a colleague's changes.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    # The words search looks in, stemmed in the record's language: its own texts, its
    # agency's acronym and the names of its countries and regions. Stored rather than
    # generated because the place names live in other tables; kept current by the
    # services (refresh_search_vector). Its GIN index is made by migration 0004 on
    # PostgreSQL only, and is therefore not among Meta.indexes (SQLite has no GIN).
    search_vector = SearchVectorField(null=True, editable=False)
    # The priorities as bits (`priority_bit`), so that the coverage matrices count each
    # activity once per column and expand the bits into priorities afterwards, instead of
    # joining and grouping every (activity, priority) row. Kept by the services
    # (refresh_coverage), like the search vector.
    priority_mask = models.BigIntegerField(default=0, editable=False)
    # Withdrawn ("deleted" to the people who do it): hidden by `objects`, restorable by
    # the secretariat for a while (common.softdelete); never removed, since overlap pairs,
    # their decisions and comments point at it.
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = AliveManager.from_queryset(ActivityQuerySet)()
    all_objects = models.Manager.from_queryset(ActivityQuerySet)()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        # A pair's `activity_a` must still resolve when that activity is withdrawn.
        base_manager_name = "all_objects"
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            # "IOM-7" and "iom-7" are the same reference to a person; the unique index
            # on the lowered text makes the database refuse the twin even when two
            # people save at the same moment (a check before the insert cannot).
            models.UniqueConstraint(
                Lower("reference"),
                "agency",
                name="activity_reference_unique_per_agency_ci",
                violation_error_code="reference_taken",
                violation_error_message=_(
                    "This agency already has an activity with this reference "
                    "(capital and small letters count as the same)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="activity_ends_after_start",
                violation_error_code="ends_before_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]
        indexes = [
            # The period filter, carrying what the coverage matrices group by: on
            # PostgreSQL they read this index alone, not the wide rows of 100,000
            # activities (SQLite builds it without the included columns). It carries
            # `deleted_at` too, for the default manager's "not withdrawn". (Not a partial
            # index: with one on that condition the planner walks it whole on a small
            # table rather than use the search's GIN index.)
            models.Index(
                fields=["start_date", "end_date", "status"],
                include=["id", "priority_mask", "agency", "initiative", "deleted_at"],
                name="activity_period_cover_idx",
            ),
            models.Index(fields=["-updated_at", "-id"], name="activity_recent_idx"),
            # "What changed this week" (digests) reads by creation and update time, per agency.
            models.Index(fields=["created_at"], name="activity_created_idx"),
            models.Index(fields=["agency", "-updated_at"], name="activity_agency_recent_idx"),
        ]

    # The field each table constraint is about, so that its message shows on that field.
    CONSTRAINT_FIELDS = {
        "activity_reference_unique_per_agency_ci": "reference",
        "activity_ends_after_start": "end_date",
    }

    # Table constraints whose condition reads the row's own fields only, as (the fields,
    # the condition in Python), so that validating one costs no query: Django checks a
    # CheckConstraint by a SELECT in a savepoint of its own, most of the validation of an
    # imported row. The table still enforces each; a test holds the two to the same answers.
    ROW_CHECKS = {
        "activity_ends_after_start": (
            {"start_date", "end_date"},
            # An unknown date makes the SQL condition unknown, which Django's check passes.
            lambda a: a.start_date is None or a.end_date is None or a.end_date >= a.start_date,
        ),
    }

    def __str__(self):
        return f"{self.agency.acronym} {self.reference}: {self.title}"

    def get_absolute_url(self):
        return reverse("activities:detail", args=[self.pk])

    def validate_constraints(self, exclude=None, skip=()):
        """Django's check of the table constraints, with each message on its field.

        Django files a constraint over several fields (or an expression) under no
        field; a person needs it beside the field to correct. The constraints named in
        `skip` are left to the database; those of ROW_CHECKS are checked in Python.
        """
        using = router.db_for_write(type(self), instance=self)
        errors = {}
        for constraint in self._meta.constraints:
            if constraint.name in skip:
                continue
            try:
                if constraint.name in self.ROW_CHECKS:
                    self._check_row(constraint, exclude)
                else:
                    constraint.validate(type(self), self, exclude=exclude, using=using)
            except ValidationError as exc:
                field = self.CONSTRAINT_FIELDS.get(constraint.name, NON_FIELD_ERRORS)
                errors.setdefault(field, []).extend(exc.error_list)
        if errors:
            raise ValidationError(errors)

    def _check_row(self, constraint, exclude):
        """What constraint.validate() does for a ROW_CHECKS constraint, without its query."""
        fields, holds = self.ROW_CHECKS[constraint.name]
        if exclude and fields.intersection(exclude):
            return
        if not holds(self):
            raise ValidationError(
                constraint.get_violation_error_message(), code=constraint.violation_error_code
            )

    @classmethod
    def constraint_error(cls, name):
        """The ValidationError a person sees when the database refuses constraint `name`."""
        constraint = next(c for c in cls._meta.constraints if c.name == name)
        error = ValidationError(
            constraint.get_violation_error_message(), code=constraint.violation_error_code
        )
        return ValidationError({cls.CONSTRAINT_FIELDS.get(name, NON_FIELD_ERRORS): [error]})


def _activity_word(word):
    """The condition for one search word in the fallback search (see search_words)."""
    countries = Activity.countries.through.objects.filter(activity=OuterRef("pk"))
    regions = Activity.regions.through.objects.filter(activity=OuterRef("pk"))
    return (
        Q(title__icontains=word)
        | Q(description__icontains=word)
        | Q(reference__icontains=word)
        | Q(agency__acronym__iexact=word)
        | Exists(
            countries.filter(
                Q(country__name__icontains=word)
                | Q(country__name_fr__icontains=word)
                | Q(country__name_es__icontains=word)
            )
        )
        | Exists(regions.filter(region__name__icontains=word))
    )


def _search_vector():
    """An activity's search vector, as an expression for an UPDATE of the activities table.

    An UPDATE cannot join, so the agency and the places come in as subqueries. Weighted
    so that ranking prefers a word in the title or reference (A) over one in the places
    or the agency's acronym (B), over one in the description (C).
    """
    config = Case(
        *(When(language=code, then=Value(name)) for code, name in SEARCH_CONFIGS.items()),
        default=Value(SEARCH_CONFIGS["en"]),
    )
    agency = Activity.agency.field.related_model.objects.filter(pk=OuterRef("agency_id"))
    country_names = Concat(
        "country__name", Value(" "), "country__name_fr", Value(" "), "country__name_es"
    )
    countries = (
        Activity.countries.through.objects.filter(activity=OuterRef("pk"))
        .values("activity")
        .annotate(names=StringAgg(country_names, " "))
        .values("names")
    )
    regions = (
        Activity.regions.through.objects.filter(activity=OuterRef("pk"))
        .values("activity")
        .annotate(names=StringAgg("region__name", " "))
        .values("names")
    )
    places = (Subquery(agency.values("acronym")), Subquery(countries), Subquery(regions))
    return (
        SearchVector("title", "reference", weight="A", config=config)
        + SearchVector(*places, weight="B", config=config)
        + SearchVector("description", weight="C", config=config)
    )


class ActivityPlace(models.Model):
    """A region, at any level, that an activity counts in (see `_places_sql`).

    Derived from the activity's countries and regions and kept by the services
    (refresh_coverage): the coverage matrices read it instead of working out, on every
    page, which of 100,000 activities fall in which region.
    """

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="places")
    region = models.ForeignKey("geo.Region", on_delete=models.CASCADE, related_name="+")
    # The region's level, copied so that a matrix reads one index, not the regions too.
    level = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["activity", "region"], name="activity_place_unique")
        ]
        indexes = [
            models.Index(fields=["level", "activity", "region"], name="activity_place_level_idx"),
            # The list's region filter (`in_region`) and its count: the activities of one
            # region read from the index alone, not from the table's pages.
            models.Index(fields=["region", "activity"], name="activity_place_region_idx"),
        ]

    def __str__(self):
        return f"{self.activity_id} in {self.region_id}"
