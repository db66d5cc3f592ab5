"""Pages that draw on several apps: the home page, agency and priority pages, health.

They sit in the top layer so that every app below stays free of imports from above.
"""

import csv
import datetime
import functools
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Window
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from activities import access as activity_access
from activities import coverage, selectors
from activities.filters import NOT_CANCELLED
from activities.models import REGISTER, Activity
from agencies import access as agency_access
from agencies.cached import agencies as cached_agencies
from agencies.models import Agency, Role, User
from capacity import selectors as capacity_selectors
from common import health, softdelete, tallies
from common.links import attach_many
from common.previews import Batch
from common.search import filter_words
from common.spreadsheets import protect
from common.views import paginate
from digests import content as digest_content
from digests import selectors as digest_selectors
from digests import week as weeks
from digests.attention import DECISIONS_DUE_DAYS, needs_attention
from geo.models import Country, Region
from governance import selectors as governance_selectors
from initiatives import access as initiative_access
from initiatives.models import INITIATIVES, JointInitiative, Participation
from library import selectors as library_selectors
from overlaps import selectors as overlap_selectors
from positions import selectors as position_selectors
from priorities.cached import priorities as cached_priorities
from priorities.models import Priority
from processes import selectors as process_selectors
from states import selectors as states_selectors

from . import charts


@never_cache
@require_GET
def healthz(request):
    """For load balancers and docker-compose: 200 when every check is fine, 503 otherwise.

    Open to anyone and cheap (common/health.py); the answer names each check's state and
    nothing else.
    """
    checks = health.run()
    healthy = all(state in health.FINE for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503
    )


def admin_login(request):
    """The admin's sign-in page sends people to allauth's, which counts wrong passwords.

    Django's own admin form checks passwords without any throttle, so no password is ever
    checked here (a POST is redirected too). The admin still admits only active staff.
    """
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    next_url = next_url or reverse("admin:index")
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return redirect(next_url)
        # Signed in but not admin staff: sending them to sign in again would loop back here.
        raise PermissionDenied
    return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")


@login_required
def dashboard(request):
    """Home: what needs attention first, then what each role looks at most.

    The attention list is the digest's selector over the last seven days. A head sees where
    the agency works; staff and focal points their agency's latest activities; the
    secretariat the review backlog and the deliveries of the digest going out this week
    (the one of the week just ended).
    """
    user = request.user
    # Read before anything else (tallies.versions): the activity lists below are kept
    # rendered under them.
    register, reference = tallies.versions(REGISTER, tallies.REFERENCE)
    now = timezone.now()
    # The lists of overlap pairs are kept (needs_attention's keep_pairs) for the minute,
    # computed as of its start: "the last seven days" start at the minute's start seven
    # days ago and run to its end (nothing is decided in the future, so a decision taken
    # this minute is in); a pair is "open for more than 14 days" from the minute after.
    minute = now.replace(second=0, microsecond=0)
    agency = None if user.is_secretariat or not user.agency_id else user.agency
    attention = needs_attention(
        agency,
        since=minute - datetime.timedelta(days=7),
        until=minute + datetime.timedelta(minutes=1),
        now=minute,
        keep_pairs=True,
    )
    # The activity lists are read by the template, inside the {% cache %} blocks that keep
    # them rendered: a kept list reads no activity. The keys carry the lists' SQL (whose
    # visibility rule is in it), the versions read above and the language.
    visible = Activity.objects.visible_to(user)
    latest = visible.with_list_relations()[:10]
    language = get_language()
    kept = {
        "timeout": tallies.TIMEOUT,
        "latest": tallies.fragment_key(
            [register, reference], tallies.query_key(latest, ordered=True), language
        ),
    }
    context = {
        "attention": attention,
        "attention_groups": digest_content.attention_groups(attention, digest_week=False),
        "latest": latest,
        "can_log": activity_access.can_log_activities(user),
        "process_deadlines": process_selectors.upcoming_deadlines(user, timezone.localdate()),
        "kept": kept,
    }
    if user.is_secretariat:
        year, week = weeks.reported(now)
        context.update(
            deliveries=digest_selectors.week_deliveries(year, week),
            week_dates=weeks.dates(year, week),
            decisions_due_days=DECISIONS_DUE_DAYS,
            priority_counts=selectors.priority_counts(),
        )
        return render(request, "dashboard.html", context)
    if agency is not None and user.role == Role.HEAD:
        context["footprint"] = digest_selectors.agency_footprint(agency)
        mine = visible.defer("search_vector").of_agency(agency)[:5]
    else:
        mine = visible.defer("search_vector").of_agency(agency)[:8] if agency else []
        context["priority_counts"] = selectors.priority_counts(agency_id=user.agency_id)
    # Their titles, statuses and dates only (no places nor priorities).
    context["my_activities"] = mine
    kept["mine"] = tallies.fragment_key(
        [register], tallies.query_key(mine, ordered=True) if agency else "none", language
    )
    return render(request, "dashboard.html", context)


@login_required
def agency_list(request):
    return render(
        request, "agencies/agency_list.html", {"agencies": selectors.agencies_with_counts()}
    )


# Countries a profile names before "show all".
PROFILE_COUNTRIES = 10


def _not_cancelled_list(**query):
    """The activity list filtered by `query`, cancelled work left out as the profile counts."""
    return f"{reverse('activities:list')}?{urlencode({**query, 'status': NOT_CANCELLED})}"


@login_required
def agency_detail(request, slug):
    """An agency's profile: where and under which priorities it works, whom it works with
    most, its open joint initiatives, its people and its activities.

    Every number counts what this person may see, cancelled activities left out, and links
    to the activity list that shows exactly those activities. A constant number of queries.

    The footprint and places, the initiatives and the activity table are kept rendered
    (the template's {% cache %}) under the versions of the data they show, read before
    anything else, and everything else they are made from: the activities this person may
    see (their SQL), the request's parameters and the language. Their data is read only
    when a fragment has to be rendered again. The people and the invitations (no version
    moves when they change) and what this person may do stay live.
    """
    user = request.user
    register, initiatives_version, reference = tallies.versions(
        REGISTER, INITIATIVES, tallies.REFERENCE
    )
    agency = agency_access.get_agency(slug)
    people = User.objects.filter(agency=agency, is_active=True).order_by("role", "full_name")
    by_role = [(label, [p for p in people if p.role == value]) for value, label in Role.choices]
    visible = Activity.objects.visible_to(user)
    all_countries = request.GET.get("countries") == "all"
    invitations = []
    if initiative_access.can_see_invitations_of(user, agency):
        invitations = (
            Participation.objects.unanswered()
            .filter(agency=agency, initiative__status__in=JointInitiative.OPEN_STATUSES)
            .select_related("initiative__lead_agency")
            .order_by("initiative__title", "initiative__pk")
        )
    # Which activities this person may see, as SQL: the rule is in its WHERE clause. With
    # the agency it names the rows of every kept fragment; cheaper to compile than the rows'.
    seen = tallies.query_key(visible.values("pk"))
    params, language = request.GET.urlencode(), get_language()
    return render(
        request,
        "agencies/agency_detail.html",
        {
            "agency": agency,
            "people_by_role": [(label, group) for label, group in by_role if group],
            # The template calls these inside their kept fragments, each once at most.
            "page": functools.cache(
                lambda: paginate(
                    request, visible.of_agency(agency).with_list_relations(), kept_as=REGISTER
                )
            ),
            "profile": functools.cache(lambda: _agency_profile(agency, visible, all_countries)),
            "initiatives": functools.cache(lambda: _agency_initiatives(agency)),
            "works_with": overlap_selectors.works_with(agency, user),
            "invitations": invitations,
            "can_invite": agency_access.can_invite(user, agency),
            "kept": {
                "timeout": tallies.TIMEOUT,
                "profile": tallies.fragment_key(
                    [register, initiatives_version, reference],
                    str(agency.pk),
                    seen,
                    str(all_countries),
                    language,
                ),
                "initiatives": tallies.fragment_key(
                    [initiatives_version, reference], str(agency.pk), language
                ),
                "activities": tallies.fragment_key(
                    [register, reference], str(agency.pk), seen, params, language
                ),
            },
        },
    )


def _agency_initiatives(agency):
    """The joint initiatives an agency's profile lists: open, then completed or closed."""
    initiatives = JointInitiative.objects.taking_part(agency).select_related("lead_agency")
    return {
        "open": initiatives.open().order_by("title", "pk"),
        "past": initiatives.exclude(status__in=JointInitiative.OPEN_STATUSES).order_by(
            "title", "pk"
        ),
    }


def _agency_profile(agency, visible, all_countries):
    """An agency profile's footprint and places, as counted from the activities `visible`."""
    priorities = list(selectors.agency_priorities(agency, visible))
    most = max((p.activity_count for p in priorities), default=0)
    for priority in priorities:
        priority.step = charts.step(priority.activity_count, most)
        priority.url = _not_cancelled_list(agency=agency.slug, priority=priority.code)
    countries = selectors.agency_countries(agency, visible)
    for country in countries:
        country.url = _not_cancelled_list(agency=agency.slug, country=country.pk)
    regions = selectors.agency_regions(agency, visible)
    for region in regions:
        region.url = _not_cancelled_list(agency=agency.slug, region=region.pk)
    return {
        "priorities": priorities,
        "steps": range(charts.COVERAGE_STEPS + 1),
        "most": most,
        "countries": countries if all_countries else countries[:PROFILE_COUNTRIES],
        "country_total": len(countries),
        "all_countries": all_countries,
        "regions": regions,
        "world_wide": selectors.world_wide_count(agency, visible),
        "all_url": _not_cancelled_list(agency=agency.slug),
    }


@login_required
def priority_list(request):
    priorities = selectors.priorities_with_counts()
    groups = [
        (label, [p for p in priorities if p.group == value])
        for value, label in Priority.Group.choices
    ]
    return render(request, "priorities/priority_list.html", {"groups": groups})


@login_required
def priority_detail(request, code):
    # The versions of what the kept fragments show, read before anything else (see
    # agency_detail): the agencies working on it, its joint initiatives and the activity
    # table are kept rendered. The other sections' apps have no version; they stay live.
    register, initiatives_version, reference = tallies.versions(
        REGISTER, INITIATIVES, tallies.REFERENCE
    )
    # The twelve priorities are kept in the cache, dropped when one changes.
    priority = next((p for p in cached_priorities() if p.code == code), None)
    if priority is None:
        raise Http404
    visible = Activity.objects.visible_to(request.user)
    # Every section's first rows and counts and the positions: one query.
    batch = Batch()
    positions = position_selectors.for_priority(priority, request.user)
    positions = batch.add(positions, positions.query.order_by, None)
    contributions = process_selectors.for_priority(priority, request.user, batch)
    states_records = states_selectors.for_priority(priority, request.user, batch)
    library = library_selectors.for_priority(priority, request.user, batch)
    capacity = capacity_selectors.for_priority(priority, request.user, batch)
    batch.run()
    library = library if library.shown else None
    # The previews' agencies and priorities, every section's in one query.
    agency_rows, priority_rows = cached_agencies(), cached_priorities()
    attach_many(
        [
            (contributions.contributions, "agencies", agency_rows),
            (contributions.contributions, "priorities", priority_rows),
            (states_records.engagements, "agencies", agency_rows),
            (states_records.engagements, "priorities", priority_rows),
            (states_records.requests, "priorities", priority_rows),
            (library.items if library else [], "agencies", agency_rows),
            (capacity.trainings, "organisers", agency_rows),
            (capacity.trainings, "priorities", priority_rows),
            (capacity.transfers, "priorities", priority_rows),
        ]
    )
    return render(
        request,
        "priorities/priority_detail.html",
        {
            "priority": priority,
            # The template calls these inside their kept fragments, each once at most.
            "page": functools.cache(
                lambda: paginate(
                    request,
                    visible.under_priority(priority).with_list_relations(),
                    kept_as=REGISTER,
                )
            ),
            "agencies": functools.partial(selectors.agencies_working_on, priority),
            "initiatives": JointInitiative.objects.under_priority(priority).select_related(
                "lead_agency"
            ),
            "process_contributions": contributions,
            "states_records": states_records,
            "library": library,
            "positions": positions.rows,
            "capacity": capacity,
            "governance": governance_selectors.for_priority(priority, request.user),
            "kept": {
                "timeout": tallies.TIMEOUT,
                # Not the reader's: every activity under the priority is counted.
                "agencies": tallies.fragment_key(
                    [register, reference], str(priority.pk), get_language()
                ),
                "initiatives": tallies.fragment_key(
                    [initiatives_version, reference], str(priority.pk), get_language()
                ),
                # The rows are the priority's among those this person may see (the SQL
                # of which carries the rule), at the page the parameters ask for.
                "activities": tallies.fragment_key(
                    [register, reference],
                    str(priority.pk),
                    tallies.query_key(visible.values("pk")),
                    request.GET.urlencode(),
                    get_language(),
                ),
            },
        },
    )


# How many of each kind the search page shows before "see all".
SEARCH_PREVIEW = 5
# Longer than any search a person types; a bound on the work a query can ask for.
SEARCH_MAX_LENGTH = 200


def _agency_word(word):
    return Q(acronym__icontains=word) | Q(name__icontains=word)


def _preview(found):
    """The first few of `found` and how many there are, in one query: the count is a window
    over every matching row, which the database takes before the LIMIT."""
    first = list(found.annotate(found_total=Window(Count("pk")))[:SEARCH_PREVIEW])
    return {"count": first[0].found_total if first else 0, "first": first}


@login_required
def search(request):
    """The header's search: activities, joint initiatives and agencies matching the words.

    Activities are searched as the activity list searches them (full text on PostgreSQL)
    and "see all" opens that list; the few initiatives and agencies are matched word by
    word, and "see all" lists one kind here (?kind=initiatives or agencies), page by page.
    """
    # PostgreSQL refuses NUL in any string it is sent (a 500 here once); it separates
    # nothing a person could have meant, so it counts as a space between words.
    q = request.GET.get("q", "").replace("\x00", " ").strip()[:SEARCH_MAX_LENGTH]
    kind = request.GET.get("kind")
    context = {"q": q, "kind": kind if kind in ("initiatives", "agencies") else None}
    if q:
        activities = Activity.objects.visible_to(request.user).search(q).with_list_relations()
        initiatives = (
            JointInitiative.objects.search(q).select_related("lead_agency").order_by("title", "pk")
        )
        agencies = filter_words(Agency.objects.order_by("-is_active", "acronym"), q, _agency_word)
        if context["kind"]:
            found = initiatives if kind == "initiatives" else agencies
            context["page"] = paginate(request, found)
        else:
            context["results"] = {
                name: _preview(found)
                for name, found in (
                    ("activities", activities),
                    ("initiatives", initiatives),
                    ("agencies", agencies),
                )
            }
    return render(request, "search.html", context)


# -- coverage -------------------------------------------------------------------------------

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
COVERAGE_COLUMNS = {
    "agency": None,
    "region": Region.Level.REGION,
    "subregion": Region.Level.SUBREGION,
}


class CoverageForm(forms.Form):
    by = forms.ChoiceField(
        label=_("Columns"),
        choices=[
            ("agency", _("Member agencies")),
            ("region", _("M49 regions")),
            ("subregion", _("M49 sub-regions")),
        ],
    )
    running_from = forms.DateField(label=_("Running from"), required=False, widget=DATE)
    running_to = forms.DateField(label=_("Running until"), required=False, widget=DATE)

    # The charts count by quarter around the period; a year near 1 or 9999 has no quarter
    # beyond it. The group's work lies well inside these.
    EARLIEST, LATEST = datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)

    def _within(self, name):
        day = self.cleaned_data.get(name)
        if day and not self.EARLIEST <= day <= self.LATEST:
            raise forms.ValidationError(
                _("Choose a date between %(earliest)s and %(latest)s.")
                % {"earliest": self.EARLIEST.year, "latest": self.LATEST.year}
            )
        return day

    def clean_running_from(self):
        return self._within("running_from")

    def clean_running_to(self):
        return self._within("running_to")

    def clean(self):
        data = super().clean()
        start, end = data.get("running_from"), data.get("running_to")
        if start and end and end < start:
            self.add_error("running_to", _("The end of the period cannot be before its start."))
        return data

    # Its fields are kept rendered (templates/coverage/_choice.html) under `kept_key`.
    KEPT_TIMEOUT = tallies.TIMEOUT

    def kept_key(self):
        """A name for this form's rendered fields (common.tallies.fragment_key): its fields
        with their choices, the values it is bound to (the defaults name today's year) and
        the language. It shows nothing read from the database."""
        fields = [
            (name, [str(label) for _v, label in getattr(f, "choices", ())])
            for name, f in self.fields.items()
        ]
        return tallies.fragment_key(
            [], "coverage-form", repr(fields), repr(sorted(self.data.items())), get_language()
        )


def _coverage_choice(request, regions_only=False, period_only=False):
    """The form and what it chose; the current year and the agencies until a person chooses.

    A date left empty on purpose stays open; an invalid choice falls back to the defaults.
    The map and the charts choose the period only (`by` is then None).
    """
    today = timezone.localdate()
    defaults = {
        "by": "region" if regions_only else "agency",
        "running_from": datetime.date(today.year, 1, 1).isoformat(),
        "running_to": datetime.date(today.year, 12, 31).isoformat(),
    }
    chosen = {**defaults, **request.GET.dict()}
    if regions_only and chosen["by"] == "agency":
        # Coming from the agency matrix: gaps are only ever counted by region.
        chosen["by"] = "region"
    form = CoverageForm(chosen)
    if regions_only:
        form.fields["by"].choices = form.fields["by"].choices[1:]
    if period_only:
        del form.fields["by"]
    if form.is_valid():
        data = form.cleaned_data
    else:
        fallback = CoverageForm(defaults)
        fallback.is_valid()
        data = fallback.cleaned_data
    by = None if period_only else data["by"]
    return form, by, data["running_from"], data["running_to"]


def _coverage_matrix(by, start, end):
    if COVERAGE_COLUMNS[by] is None:
        return coverage.agency_matrix(start, end)
    return coverage.region_matrix(COVERAGE_COLUMNS[by], start, end)


@login_required
def coverage_matrix(request):
    """The twelve priorities against the agencies or the regions, for a period.

    Each cell's number links to the activity list behind it; gaps are marked in words.
    """
    # The matrix is kept rendered (the template's {% cache %}) under what it shows: the
    # register's counts and the reference lists' names (agencies, regions, priorities) at
    # their versions read before anything else, the columns and the period chosen (a
    # default period is this year's), the language. Its 200-odd cells, each with its link
    # and shade, were most of the page's time; on a kept page they are not even counted.
    versions = tallies.versions(REGISTER, tallies.REFERENCE)
    form, by, start, end = _coverage_choice(request)

    def shaded():
        matrix = _coverage_matrix(by, start, end)
        for _priority, cells in matrix.rows:
            for cell in cells:
                cell.url = coverage.cell_url(cell, start, end)
                cell.step = charts.step(cell.activities, matrix.maximum)
        return matrix

    return render(
        request,
        "coverage/matrix.html",
        {
            "form": form,
            "by": by,
            "by_agency": COVERAGE_COLUMNS[by] is None,
            "start": start,
            "end": end,
            "matrix": SimpleLazyObject(shaded),
            "steps": range(charts.COVERAGE_STEPS + 1),
            "kept": {
                "timeout": tallies.TIMEOUT,
                "matrix": tallies.fragment_key(
                    versions, "coverage-matrix", by, str(start), str(end), get_language()
                ),
            },
        },
    )


# More region codes than there are sub-regions is not a choice a person made.
GAPS_REGIONS_MAX = 50


@login_required
def coverage_gaps(request):
    """The gaps of the region matrix, in words, region by region.

    `region` (repeated) narrows the list to some regions of the level chosen, as the weekly
    digest's link does for the sub-regions where the reader's agency works; codes of no such
    region are ignored, and when none is left every region is listed.
    """
    form, by, start, end = _coverage_choice(request, regions_only=True)
    level = COVERAGE_COLUMNS.get(by) or Region.Level.REGION
    codes = request.GET.getlist("region")[:GAPS_REGIONS_MAX]
    only = []
    if codes:
        only = list(Region.objects.filter(level=level, code__in=codes).order_by("name"))
    everywhere = request.GET.copy()
    everywhere.pop("region", None)
    return render(
        request,
        "coverage/gaps.html",
        {
            "form": form,
            "by": by,
            "start": start,
            "end": end,
            "only": only,
            "everywhere_url": f"{reverse('coverage-gaps')}?{everywhere.urlencode()}",
            "gaps": coverage.gaps(level, start, end, regions=[r.pk for r in only] or None),
        },
    )


@login_required
def coverage_csv(request):
    """The matrix on the page, as CSV: the same numbers, one row per priority."""
    _form, by, start, end = _coverage_choice(request)
    matrix = _coverage_matrix(by, start, end)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    period = f"{start or ''}_{end or ''}"
    response["Content-Disposition"] = f'attachment; filename="gmg-coverage-{by}-{period}.csv"'
    writer = csv.writer(response)
    label = (lambda a: a.acronym) if COVERAGE_COLUMNS[by] is None else (lambda r: r.name)
    writer.writerow(
        [_("Code"), _("Priority")] + [protect(label(column)) for column in matrix.columns]
    )
    for priority, cells in matrix.rows:
        writer.writerow(
            [priority.code, protect(priority.short_title)] + [c.activities for c in cells]
        )
    return response


@login_required
def coverage_map(request):
    """Activities by country on a map, with the same numbers in a table below it."""
    form, _by, start, end = _coverage_choice(request, period_only=True)
    counts = coverage.country_counts(start, end)
    countries = Country.objects.in_bulk()
    return render(
        request,
        "coverage/map.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "map": charts.country_map(countries, counts, start, end),
        },
    )


@login_required
def coverage_map_csv(request):
    """The map's numbers as CSV: one row per country with at least one activity."""
    _form, _by, start, end = _coverage_choice(request, period_only=True)
    counts = coverage.country_counts(start, end)
    countries = Country.objects.in_bulk(list(counts))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    period = f"{start or ''}_{end or ''}"
    response["Content-Disposition"] = f'attachment; filename="gmg-coverage-map-{period}.csv"'
    writer = csv.writer(response)
    writer.writerow([_("ISO code"), _("Country"), _("Activities")])
    for code in sorted(counts, key=lambda c: countries[c].name):
        writer.writerow([code, protect(countries[code].name), counts[code]])
    return response


@login_required
def coverage_charts(request):
    """Activities per priority over the quarters of the period, and per member agency."""
    form, _by, start, end = _coverage_choice(request, period_only=True)
    shown, truncated = coverage.quarters(start, end, timezone.localdate())
    return render(
        request,
        "coverage/charts.html",
        {
            "form": form,
            "start": start,
            "end": end,
            "quarters": charts.quarter_chart(
                coverage.priority_quarters(shown), shown, truncated=truncated
            ),
            "agencies": charts.agency_chart(coverage.agency_counts(start, end), start, end),
        },
    )


@require_GET
def security_txt(request):
    """RFC 9116: where to report a vulnerability; it expires a year after it is served."""
    expires = (timezone.now() + datetime.timedelta(days=365)).replace(microsecond=0)
    lines = [
        f"Contact: {settings.SECURITY_CONTACT}",
        f"Expires: {expires.astimezone(datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}",
        f"Preferred-Languages: {', '.join(code for code, _name in settings.LANGUAGES)}",
        f"Canonical: {settings.SITE_URL}{request.path}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@login_required
@require_GET
def recently_deleted(request):
    """The secretariat's list of activities and initiatives withdrawn in the last
    RESTORE_DAYS days, each with a button to restore it (a POST to its app's view)."""
    if not softdelete.can_restore(request.user):
        raise PermissionDenied
    activities = (
        Activity.all_objects.restorable()
        .select_related("agency", "deleted_by")
        .defer("search_vector")
        .order_by("-deleted_at", "-pk")
    )
    initiatives = (
        JointInitiative.all_objects.restorable()
        .select_related("lead_agency", "deleted_by")
        .order_by("-deleted_at", "-pk")
    )
    return render(
        request,
        "recently_deleted.html",
        {
            "activities": activities,
            "initiatives": initiatives,
            "restore_days": softdelete.RESTORE_DAYS,
        },
    )
