from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, SearchVectorField
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connections, models, router
from django.db.models import Case, F, FloatField, Q, Value, When
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import SEARCH_CONFIGS, Activity
from common.search import filter_words

from . import files

# The years an item may carry: none before the international community's first work on the
# subject that anyone would share here, none far in the future.
FIRST_YEAR, LAST_YEAR = 1950, 2100


class LibraryItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        # Everyone signed in reads the whole library (and downloads its files); the gate
        # is here so that a later rule changes one place.
        if not user.is_authenticated:
            return self.none()
        return self

    def under_priority(self, priority):
        return self.filter(priorities=priority)

    def of_agency(self, agency):
        return self.filter(agencies=agency)

    def reviewed(self):
        return self.filter(reviewed_at__isnull=False)

    def with_list_relations(self):
        # The search vector is only ever read by the database; a list need not carry it.
        return self.defer("search_vector").prefetch_related("agencies", "priorities")

    def search(self, text):
        """Items matching the words of `text` in their title, summary or authors, best
        first where the database can rank: full-text on PostgreSQL, word by word elsewhere
        (SQLite for local development). The syntax is common.search's."""
        if connections[self.db].vendor == "postgresql":
            return self.search_fulltext(text)
        return self.search_words(text)

    def search_fulltext(self, text):
        """Full-text match on the stored `search_vector`, ranked as `search_rank`; each item
        is matched by the query stemmed in its own language (as activities are)."""
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
        return filter_words(self, text, _item_word)

    def refresh_search_vector(self):
        """Recompute the stored search vector of these items in one UPDATE; the services
        call it after every save. A no-op where there is no full-text search."""
        if connections[self.db].vendor != "postgresql":
            return 0
        return self.update(search_vector=_search_vector())


def _item_word(word):
    return Q(title__icontains=word) | Q(summary__icontains=word) | Q(authors__icontains=word)


def _search_vector():
    """An item's search vector: its title (weight A), summary (B) and authors (C), stemmed
    in the item's language."""
    config = Case(
        *(When(language=code, then=Value(name)) for code, name in SEARCH_CONFIGS.items()),
        default=Value(SEARCH_CONFIGS["en"]),
    )
    return (
        SearchVector("title", weight="A", config=config)
        + SearchVector("summary", weight="B", config=config)
        + SearchVector("authors", weight="C", config=config)
    )


class LibraryItem(models.Model):
    """A publication, data set, tool or good practice an agency shares: a link to it, or
    its file (kept by library/files.py)."""

    class Kind(models.TextChoices):
        PUBLICATION = "publication", _("Publication")
        DATA_SET = "data_set", _("Data set")
        TOOL = "tool", _("Tool")
        GOOD_PRACTICE = "good_practice", _("Good practice or lesson learned")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=250)
    summary = models.TextField(_("summary"))
    authors = models.CharField(
        _("authors"),
        max_length=500,
        blank=True,
        help_text=_("As the work names them: people, units or organisations."),
    )
    agencies = models.ManyToManyField(
        "agencies.Agency",
        verbose_name=_("agencies"),
        related_name="library_items",
        help_text=_("The member agencies that share it. Their staff and focal points edit it."),
    )
    year = models.PositiveSmallIntegerField(
        _("year"),
        validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)],
        help_text=_("The year it was published, or will be."),
    )
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=Activity.Language.choices,
        default=Activity.Language.ENGLISH,
        help_text=_("The language the title and summary are written in."),
    )
    url = models.URLField(
        _("link"),
        max_length=500,
        blank=True,
        help_text=_("Where it can be read, if it is online. Give a link or a file."),
    )
    # The file, when there is one: its random name in the library's storage, the name the
    # person gave it (cleaned), its extension (one of files.KINDS) and its size in bytes.
    stored_name = models.CharField(max_length=32, blank=True, editable=False)
    file_name = models.CharField(_("file name"), max_length=200, blank=True, editable=False)
    file_type = models.CharField(_("file type"), max_length=10, blank=True, editable=False)
    file_size = models.PositiveBigIntegerField(
        _("file size"), null=True, blank=True, editable=False
    )
    priorities = models.ManyToManyField(
        "priorities.Priority", verbose_name=_("priorities"), related_name="library_items"
    )
    countries = models.ManyToManyField(
        "geo.Country", verbose_name=_("countries"), related_name="library_items", blank=True
    )
    themes = models.ManyToManyField(
        "priorities.Theme", verbose_name=_("themes"), related_name="library_items", blank=True
    )
    # The secretariat's mark on a good practice it has reviewed: who and when. Set and
    # withdrawn only by the services (see services.item_mark_reviewed).
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # Raised by every edit; the edit form carries it, so a stale form cannot overwrite a
    # colleague's changes.
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
    # Title, summary and authors, stemmed in the item's language; kept by the services
    # (refresh_search_vector). Its GIN index is made by migration 0001 on PostgreSQL only,
    # and is therefore not among Meta.indexes (SQLite has no GIN).
    search_vector = SearchVectorField(null=True, editable=False)

    objects = LibraryItemQuerySet.as_manager()

    class Meta:
        ordering = ["-year", Lower("title"), "pk"]
        verbose_name = _("library item")
        verbose_name_plural = _("library items")
        constraints = [
            models.CheckConstraint(
                condition=(Q(url="") & ~Q(stored_name="")) | (~Q(url="") & Q(stored_name="")),
                name="library_item_link_or_file",
                violation_error_message=_("Give a link or a file, one of the two."),
            ),
            models.CheckConstraint(
                condition=Q(stored_name="")
                | (~Q(file_name="") & Q(file_type__in=list(files.KINDS)) & Q(file_size__gt=0)),
                name="library_item_file_described",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=FIRST_YEAR, year__lte=LAST_YEAR),
                name="library_item_year_plausible",
            ),
            models.CheckConstraint(
                condition=Q(reviewed_at__isnull=True) | Q(kind="good_practice"),
                name="library_item_only_good_practice_reviewed",
            ),
            models.UniqueConstraint(
                fields=["stored_name"],
                condition=~Q(stored_name=""),
                name="library_item_stored_name_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "-year"], name="library_item_kind_idx"),
            models.Index(fields=["-updated_at"], name="library_item_recent_idx"),
        ]

    # The field each table constraint is about, so that its message shows on that field.
    CONSTRAINT_FIELDS = {"library_item_link_or_file": "url"}

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("library:detail", args=[self.pk])

    def clean(self):
        # Forthcoming work may be shared a year ahead; a later year is a typing mistake.
        if self.year and self.year > timezone.localdate().year + 1:
            message = _("That year is still to come: give the year it was published.")
            raise ValidationError({"year": ValidationError(message, code="future_year")})

    def validate_constraints(self, exclude=None):
        """Django's check of the table constraints, with each message on its field (as
        Activity.validate_constraints)."""
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

    @property
    def has_file(self):
        return bool(self.stored_name)

    @property
    def is_reviewed(self):
        return self.reviewed_at is not None

    @property
    def file_kind(self):
        return files.KINDS.get(self.file_type)

    def get_download_url(self):
        return reverse("library:download", args=[self.pk]) if self.has_file else ""
