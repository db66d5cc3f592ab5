from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from activities import access as activity_access
from activities.forms import ActivityForm
from activities.models import REGISTER, Activity
from agencies.cached import PEOPLE
from common import softdelete, tallies
from common.views import add_service_errors, paginate
from initiatives.access import linkable_initiatives
from initiatives.models import INITIATIVES

from . import access, drafts, reasons, review, selectors
from .exports import write_flags_csv
from .filters import COUNTED_FROM, DEFAULT_TAB, TABS, FlagFilter
from .forms import CommentForm, DecisionForm, InitiativeForm, PairNotificationsForm
from .models import PAIRS, OverlapFlag

# A cluster is for reading: past this many activities it is no longer a cluster.
CLUSTER_LIMIT = 200


@login_required
def flag_list(request):
    if not access.can_see_queue(request.user):
        raise PermissionDenied
    # The filter form, the tabs and the page of pairs are kept rendered (the template's
    # {% cache %}) under everything they are made from, at the versions read here before
    # anything else (see `_kept`). Rendering the form's fields and the rows with their
    # reasons and clusters was most of the queue's time; so, once those were kept, was
    # building and compiling the queries of the counts and the rows: they are made only
    # when a fragment is rendered (lazily), so a kept queue asks the database nothing.
    versions = tallies.versions(*ROWS_FROM)
    visible = access.flags_visible_to(request.user)
    flag_filter = FlagFilter(request.GET, queryset=visible)
    valid = flag_filter.is_valid()

    def filtered():
        return flag_filter.qs if valid else visible.none()

    if request.GET.get("format") == "csv":
        stamp = timezone.now().strftime("%Y%m%d")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="overlap-flags-{stamp}.csv"'
        write_flags_csv(filtered().with_pair(), response)
        return response

    def tabs():
        counts = flag_filter.tab_counts() if valid else {}
        return [
            {"key": key, "label": label, "count": counts.get(key, 0)}
            for key, (label, _condition) in TABS.items()
        ]

    page = SimpleLazyObject(lambda: _page(request, filtered(), visible))
    can_review = access.can_review(request.user)
    # Asked first on the first page of pairs to review; the queue below keeps its order.
    uncertain, threshold, calibrations = selectors.score_learning(
        request.user,
        ask=can_review and flag_filter.tab == DEFAULT_TAB and page.number == 1,
    )
    return render(
        request,
        "overlaps/flag_list.html",
        {
            "uncertain": uncertain,
            "threshold": threshold,
            "calibrations": calibrations,
            "refit_every": settings.OVERLAP_REFIT_EVERY,
            "filter": flag_filter,
            "page": page,
            "tabs": SimpleLazyObject(tabs),
            "current_tab": flag_filter.tab,
            "can_review": can_review,
            "kept": _kept(request, versions, visible),
        },
    )


def _page(request, flags, visible):
    """The page of `flags` asked for, its rows read only when they are rendered: the
    pairs with their activities, reasons and clusters."""
    page = paginate(request, flags, kept_as=COUNTED_FROM)
    # The pairs' activities, agencies and decisions are joined to the page's rows alone:
    # the counts (and their keys, which compile the query) need none of them.
    rows = page.object_list.with_pair()
    page.object_list = SimpleLazyObject(
        lambda: reasons.describe_flags(_mark_clusters(rows, visible.open()))
    )
    return page


# What the queue's rendered rows are kept under (common.tallies): the pairs (scores,
# reasons, decisions, the initiative made from a pair), the register (the activities'
# titles, references, withdrawals, places: the reasons and the clusters), the initiatives
# (the titles the rows link to), the reference lists (agencies' acronyms, the names of
# countries, regions and priorities in the reasons) and the people (who decided a pair).
ROWS_FROM = (PAIRS, REGISTER, INITIATIVES, tallies.REFERENCE, PEOPLE)


def _kept(request, versions, visible):
    """The names of the queue's kept fragments (common.tallies.fragment_key).

    The rows and the tabs' counts are what the request's parameters (the filters, the
    sort, the page; a chosen agency or country read from the reference lists) select
    among the pairs this person may see (`visible`, `access.flags_visible_to`); the
    clusters are counted among the same pairs. So their keys name `visible`'s query with
    its parameters: the secretariat and each agency's people never share one. The
    request's parameters are in the keys (every link of the rows, the tabs and the pages
    repeats them), the page size and the language too. The form shows only the reference
    lists and the request's choices."""
    language = get_language()
    params = request.GET.urlencode()
    but_page = request.GET.copy()
    but_page.pop("page", None)
    but_page = but_page.urlencode()
    seen = _query_key(visible)
    _pairs, _register, _initiatives, reference, _people = versions
    return {
        "timeout": tallies.TIMEOUT,
        "form": tallies.fragment_key([reference], "flag-filter", but_page, language),
        "tabs": tallies.fragment_key(versions, "flag-tabs", seen, but_page, language),
        "rows": tallies.fragment_key(
            versions, "flag-rows", seen, params, str(settings.PAGE_SIZE), language
        ),
    }


def _query_key(queryset):
    # Someone who may see no pair has no SQL to name: nothing to show.
    if queryset.query.is_empty():
        return "none"
    return tallies.query_key(queryset)


def _mark_clusters(flags, open_flags):
    """Point out flags whose activities overlap with more than one other activity.

    One query for the whole page: how many open flags touch each activity on it.
    """
    flags = list(flags)
    ids = {i for f in flags for i in (f.activity_a_id, f.activity_b_id)}
    degree = {}
    edges = open_flags.filter(Q(activity_a__in=ids) | Q(activity_b__in=ids)).values_list(
        "activity_a_id", "activity_b_id"
    )
    for a, b in edges:
        degree[a] = degree.get(a, 0) + 1
        degree[b] = degree.get(b, 0) + 1
    for flag in flags:
        hub = max(
            (flag.activity_a, flag.activity_b), key=lambda act: (degree.get(act.pk, 0), -act.pk)
        )
        flag.cluster_hub = hub if degree.get(hub.pk, 0) > 1 else None
        flag.cluster_size = degree.get(hub.pk, 0) + 1
    return flags


def _pair_activities(flag):
    # A withdrawn activity still shows here: the pair, its decision and comments stay.
    activities = Activity.all_objects.with_list_relations().prefetch_related(
        "target_groups", "themes", "partners"
    )
    by_pk = activities.select_related("initiative").in_bulk(
        [flag.activity_a_id, flag.activity_b_id]
    )
    return by_pk[flag.activity_a_id], by_pk[flag.activity_b_id]


def _render_detail(request, flag, decision_form=None, comment_form=None, status=200):
    user = request.user
    activity_a, activity_b = _pair_activities(flag)
    can_review = access.can_review(user)
    can_comment = access.can_comment(user, flag)
    if can_review and decision_form is None:
        initial = {"note": flag.decision_note}
        if flag.is_decided:
            initial["status"] = flag.status
        decision_form = DecisionForm(initial=initial, flag=flag)
    if can_comment and comment_form is None:
        comment_form = CommentForm()
    # The pair's activities as loaded here (with their texts and places), for the reasons.
    flag.activity_a, flag.activity_b = activity_a, activity_b
    described = reasons.describe_flags([flag])[0].described
    shared_initiative = (
        activity_a.initiative
        if activity_a.initiative_id and activity_a.initiative_id == activity_b.initiative_id
        else None
    )
    return render(
        request,
        "overlaps/flag_detail.html",
        {
            "flag": flag,
            "activity_a": activity_a,
            "activity_b": activity_b,
            "pair": [activity_a, activity_b],
            "can_see_withdrawn": softdelete.can_restore(user),
            "described": described,
            "shared_country_codes": described.shared_codes,
            "shared_priority_codes": {str(c) for c in (flag.reasons or {}).get("priorities", [])},
            "comments": flag.comments.select_related("author"),
            "can_review": can_review,
            "can_comment": can_comment,
            "pair_initiative": flag.initiative or shared_initiative,
            "can_make_initiative": can_review
            and review.can_become_initiative(flag)
            and shared_initiative is None,
            # Its own ids: the decision form on the same page has a "version" too.
            "initiative_form": InitiativeForm(flag=flag, auto_id="initiative_%s"),
            "decision_form": decision_form,
            "comment_form": comment_form,
        },
        status=status,
    )


@login_required
def flag_detail(request, pk):
    flag = access.get_flag_for_user(request.user, pk)
    return _render_detail(request, flag)


def _stale_decision_form(request, flag):
    """The decision as the person sent it, refused, on the pair's current version.

    The page shows the decision that came in between; sending the form again after reading
    it replaces that decision knowingly, and the note typed is not lost.
    """
    data = request.POST.copy()
    data["version"] = flag.version
    form = DecisionForm(data, flag=flag)
    form.add_error(
        None,
        _(
            "Someone else changed this pair since you opened it: its decision is now "
            "“%(status)s” (see above). Yours was not recorded; it is kept below, so you "
            "can record it again to replace theirs."
        )
        % {"status": flag.get_status_display()},
    )
    return form


@login_required
@require_POST
def flag_decide(request, pk):
    flag = access.get_flag_for_user(request.user, pk, write=True)
    form = DecisionForm(request.POST, flag=flag)
    if form.is_valid():
        try:
            flag = review.decide(
                flag,
                by=request.user,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
            )
        except review.StaleFlagError:
            # Read again: the page shows what changed (a 404 if a re-scan removed the pair).
            flag = access.get_flag_for_user(request.user, pk, write=True)
            form = _stale_decision_form(request, flag)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Decision recorded: %(status)s.") % {"status": flag.get_status_display()},
            )
            return redirect(flag)
    return _render_detail(request, flag, decision_form=form)


@login_required
@require_POST
def flag_comment(request, pk):
    flag = access.get_flag_for_user(request.user, pk)
    if not access.can_comment(request.user, flag):
        raise PermissionDenied
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            review.comment(flag, by=request.user, text=form.cleaned_data["text"])
        except review.StaleFlagError:
            raise Http404 from None  # a re-scan removed the pair since the page was loaded
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your comment was added."))
            return redirect(f"{flag.get_absolute_url()}#comments")
    return _render_detail(request, flag, comment_form=form)


@login_required
@require_POST
def flag_initiative(request, pk):
    flag = access.get_flag_for_user(request.user, pk, write=True)
    form = InitiativeForm(request.POST)
    if not form.is_valid():
        for message in form.errors.get("version", []):
            messages.error(request, message)
        return redirect(flag)
    try:
        initiative, created = review.initiative_from_flag(
            flag, by=request.user, expected_version=form.cleaned_data["version"]
        )
    except review.StaleFlagError:
        access.get_flag_for_user(request.user, pk, write=True)  # 404 if a re-scan removed it
        messages.error(
            request,
            _(
                "This pair changed since you opened it, so no joint initiative was created. "
                "Look at it again below before you try again."
            ),
        )
        return redirect(flag)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(flag)
    if created:
        messages.success(
            request,
            _("The joint initiative “%(title)s” was created from both activities.")
            % {"title": initiative.title},
        )
    else:
        # Most often the second click of a double click, or a colleague who was quicker:
        # the pair's initiative is what the person wanted to see.
        messages.info(
            request,
            _("This pair already has its joint initiative, “%(title)s”: no other was created.")
            % {"title": initiative.title},
        )
    return redirect(initiative)


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    """How this person hears of decisions and comments on pairs: at once or in the digest."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if request.method == "POST":
        form = PairNotificationsForm(request.POST)
        if form.is_valid():
            review.pair_notifications_set(request.user, form.cleaned_data["pair_notifications"])
            messages.success(request, _("Your choice for news about pairs was saved."))
            return redirect(next_url or "overlaps:notification-settings")
    else:
        form = PairNotificationsForm(
            initial={"pair_notifications": request.user.pair_notifications}
        )
    return render(
        request,
        "overlaps/notification_settings.html",
        {"form": form, "next_url": next_url},
    )


def cluster_of(activity, flags):
    """The activity ids connected to `activity` through `flags`, and those flags' ids."""
    seen, frontier, flag_ids = {activity.pk}, {activity.pk}, set()
    while frontier and len(seen) < CLUSTER_LIMIT:
        edges = flags.filter(Q(activity_a__in=frontier) | Q(activity_b__in=frontier)).values_list(
            "pk", "activity_a_id", "activity_b_id"
        )
        reached = set()
        for flag_id, a, b in edges:
            flag_ids.add(flag_id)
            reached.update((a, b))
        frontier = reached - seen
        seen |= frontier
    return seen, flag_ids


@login_required
def activity_cluster(request, pk):
    activity = activity_access.get_activity_for_user(request.user, pk)
    open_flags = access.flags_visible_to(request.user).open()
    activity_ids, flag_ids = cluster_of(activity, open_flags)
    activities = (
        Activity.objects.filter(pk__in=activity_ids)
        .with_list_relations()
        .order_by("agency__acronym", "reference")
    )
    flags = reasons.describe_flags(OverlapFlag.objects.filter(pk__in=flag_ids).with_pair())
    return render(
        request,
        "overlaps/activity_cluster.html",
        {
            "activity": activity,
            "activities": activities,
            "flags": flags,
            "truncated": len(activity_ids) >= CLUSTER_LIMIT,
        },
    )


@require_POST
def similar_to_draft(request, pk=None):
    """The similar-work panel of the activity entry form, for what the form holds so far.

    The entry page asks for it as the person types (htmx), sending the form's fields and
    its CSRF token; `pk` is the activity being edited. The answer is the panel alone and
    nothing is saved. Who may ask: whoever may fill in that form.
    """
    if not request.user.is_authenticated:
        if request.htmx:
            # A sign-in page swapped into the panel would help nobody; the form and what
            # was typed in it stay as they are.
            raise PermissionDenied
        return redirect_to_login(request.get_full_path())
    agencies = activity_access.agencies_user_can_log_for(request.user)
    activity = None
    if pk is not None:
        activity = activity_access.get_activity_for_user(request.user, pk, write=True)
        initiatives = linkable_initiatives(
            request.user, activity.agency, current=activity.initiative_id
        )
    elif agencies.exists():
        initiatives = linkable_initiatives(
            request.user, agencies[0] if len(agencies) == 1 else None
        )
    else:
        raise PermissionDenied
    form = ActivityForm(request.POST, instance=activity, agencies=agencies, initiatives=initiatives)
    return render(
        request,
        "includes/similar_activities.html",
        drafts.similar_panel(form, exclude_id=pk),
    )
