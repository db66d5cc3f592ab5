"""The activity register's pages: gate → form → service → redirect.

The overlap panels on these pages come from the overlaps app's template tags: the
activity register sits below overlap detection and does not import it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common import softdelete, tallies
from common.views import add_service_errors, paginate
from initiatives.access import linkable_initiatives

from . import access, interchange, services
from .filters import ActivityFilter, sort_headers
from .forms import ActivityForm, ConfirmDeleteForm
from .models import DETAIL_RELATIONS, REGISTER, Activity, attach_list_relations

STALE_MESSAGE = _(
    "Someone else changed this activity since you opened it. "
    "Open it again to see their changes, then make yours."
)


@login_required
def activity_list(request):
    # The rows, their count and the pages' links, and the filter form, are kept rendered
    # (the template's {% cache %}) under everything they are made from: the rows' query
    # (which carries whom they are visible to), the request's parameters (which every
    # link repeats) and the language, at the register's and the reference lists' versions
    # as they were before anything was read. A page of 25 rows with their places and
    # priorities, and the form's eleven fields, were most of the list's time.
    register, reference = tallies.versions(REGISTER, tallies.REFERENCE)
    base = Activity.objects.visible_to(request.user).with_list_relations()
    activity_filter = ActivityFilter(request.GET or None, queryset=base)
    rows = activity_filter.qs
    rows_key = tallies.query_key(rows, ordered=True)
    params, language = request.GET.urlencode(), get_language()
    return render(
        request,
        "activities/activity_list.html",
        {
            "filter": activity_filter,
            "page": paginate(request, rows, kept_as=REGISTER, key=rows_key),
            "sorting": sort_headers(activity_filter.chosen_sort),
            "export_formats": interchange.EXPORT_FORMATS.values(),
            "can_log": access.can_log_activities(request.user),
            "kept": {
                "timeout": tallies.TIMEOUT,
                "rows": tallies.fragment_key([register, reference], rows_key, params, language),
                "form": tallies.fragment_key([reference], params, language),
            },
        },
    )


@login_required
@require_GET
def activity_export(request, format):
    """The list as the page filters and sorts it, as a file, streamed row by row.

    The rows are read in chunks and written as they come, so a register of any size
    downloads without being held in memory.
    """
    export_format = interchange.EXPORT_FORMATS.get(format)
    if export_format is None:
        raise Http404
    activity_filter = ActivityFilter(
        request.GET or None, queryset=Activity.objects.visible_to(request.user)
    )
    response = StreamingHttpResponse(
        export_format.stream(interchange.export_rows(activity_filter.qs)),
        content_type=export_format.content_type,
    )
    filename = f"gmg-activities-{timezone.localdate():%Y-%m-%d}.{export_format.extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def activity_detail(request, pk):
    activity = access.get_activity_for_user(request.user, pk)
    # Read once, in one query: the page names regions and countries twice, and every
    # proposal link in the similar-work panel carries this activity's priorities.
    attach_list_relations([activity], DETAIL_RELATIONS)
    return render(
        request,
        "activities/activity_detail.html",
        {
            "activity": activity,
            "can_edit": activity.deleted_at is None
            and access.can_write_activities_of(request.user, activity.agency),
            "restorable": softdelete.is_restorable(activity.deleted_at),
            "restore_days": softdelete.RESTORE_DAYS,
        },
    )


def _wants_check(request):
    # "Check for similar activities first": show the form again with similar work, save
    # nothing. It checks whatever is filled in so far, so the form is not validated.
    return request.method == "POST" and request.POST.get("action") == "check"


def _as_typed(form):
    """What the person typed, as the initial values of a form shown again after a check:
    an unbound form shows it without "required" errors for the fields not reached yet."""
    return {field.name: field.value() for field in form}


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request):
    agencies = access.agencies_user_can_log_for(request.user)
    if not agencies.exists():
        raise PermissionDenied
    form_kwargs = {
        "agencies": agencies,
        "initiatives": linkable_initiatives(
            request.user, agencies[0] if len(agencies) == 1 else None
        ),
    }
    form = ActivityForm(request.POST if request.method == "POST" else None, **form_kwargs)
    context = {"form": form, "activity": None}
    if _wants_check(request):
        context["form"] = ActivityForm(initial=_as_typed(form), **form_kwargs)
    elif request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_create(
                agency=form.owning_agency, by=request.user, **form.service_fields()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The activity was logged."))
            return redirect(activity)
    return render(request, "activities/activity_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request, pk):
    activity = access.get_activity_for_user(request.user, pk, write=True)
    form_kwargs = {
        "instance": activity,
        "agencies": access.agencies_user_can_log_for(request.user),
        "initiatives": linkable_initiatives(
            request.user, activity.agency, current=activity.initiative_id
        ),
    }
    form = ActivityForm(request.POST if request.method == "POST" else None, **form_kwargs)
    context = {"form": form, "activity": activity}
    if _wants_check(request):
        context["form"] = ActivityForm(initial=_as_typed(form), **form_kwargs)
    elif request.method == "POST" and form.is_valid():
        try:
            services.activity_update(
                activity,
                by=request.user,
                expected_version=form.cleaned_data.get("version"),
                **form.service_fields(),
            )
        except services.StaleActivityError:
            form.add_error(None, STALE_MESSAGE)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect(activity)
    return render(request, "activities/activity_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def activity_delete(request, pk):
    activity = access.get_activity_for_user(request.user, pk, write=True)
    form = ConfirmDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.activity_withdraw(activity, by=request.user)
        messages.success(
            request,
            _(
                "The activity “%(title)s” was deleted. The secretariat can restore it "
                "for %(days)d days."
            )
            % {"title": activity.title, "days": softdelete.RESTORE_DAYS},
        )
        return redirect("activities:list")
    return render(
        request,
        "activities/activity_confirm_delete.html",
        {"form": form, "activity": activity, "restore_days": softdelete.RESTORE_DAYS},
    )


@login_required
@require_POST
def activity_restore(request, pk):
    activity = access.get_withdrawn_activity_for_user(request.user, pk)
    try:
        services.activity_restore(activity, by=request.user)
    except services.RestoreRefused as exc:
        messages.error(request, str(exc))
        return redirect(activity)
    messages.success(
        request, _("The activity “%(title)s” was restored.") % {"title": activity.title}
    )
    return redirect(activity)
