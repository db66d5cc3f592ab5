"""The pages of engagements and requests for support: gate → form → service → redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.views import add_service_errors, paginate

from . import access, export, services
from .filters import EngagementFilter, FollowUpFilter, SupportRequestFilter
from .forms import EngagementForm, FollowUpForm, StepForm, SupportRequestForm
from .models import Engagement, FollowUp, SupportRequest

STALE_MESSAGE = gettext_lazy(
    "Someone else saved this since you opened it. Your changes were not saved: "
    "open it again to see theirs, then redo yours."
)
STEP_TITLES = {
    "assign": gettext_lazy("Assign to a lead agency"),
    "start": gettext_lazy("Start work on it"),
    "close": gettext_lazy("Close with its outcome"),
    "decline": gettext_lazy("Decline it"),
}


def _post(request):
    return request.POST if request.method == "POST" else None


def _save_with(form, save):
    try:
        return save()
    except services.StaleEditError:
        form.add_error(None, STALE_MESSAGE)
    except ValidationError as exc:
        add_service_errors(form, exc)
    return None


def _csv(filename, columns, rows):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{filename}-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    export.write_csv(columns, rows, response)
    return response


# -- engagements ------------------------------------------------------------------------------


@login_required
def engagement_list(request):
    base = Engagement.objects.visible_to(request.user).with_list_relations()
    engagement_filter = EngagementFilter(request.GET or None, queryset=base)
    return render(
        request,
        "states/engagement_list.html",
        {
            "filter": engagement_filter,
            "page": paginate(request, engagement_filter.qs),
            "sorting": engagement_filter.sorting,
            "can_record": access.can_record_engagement(request.user),
        },
    )


@login_required
@require_GET
def engagement_export(request):
    engagement_filter = EngagementFilter(
        request.GET or None, queryset=Engagement.objects.visible_to(request.user)
    )
    rows = export.engagement_rows(engagement_filter.qs, request.build_absolute_uri)
    return _csv("gmg-engagements", export.ENGAGEMENT_COLUMNS, rows)


@login_required
def engagement_detail(request, pk):
    engagement = access.get_engagement_for_user(request.user, pk)
    follow_ups = list(engagement.follow_ups.select_related("owner_agency").order_by("due_date"))
    today = timezone.localdate()
    for follow_up in follow_ups:
        follow_up.overdue_now = follow_up.is_overdue_on(today)
        follow_up.editable = access.can_edit_follow_up(request.user, follow_up)
    return render(
        request,
        "states/engagement_detail.html",
        {
            "engagement": engagement,
            "agencies": engagement.agencies.order_by("acronym"),
            "priorities": engagement.priorities.all(),
            "activities": engagement.activities.select_related("agency").order_by("title"),
            "follow_ups": follow_ups,
            "can_edit": access.can_edit_engagement(request.user, engagement),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def engagement_create(request):
    access.check_record_engagement(request.user)
    form = EngagementForm(
        _post(request), lead_agencies=access.agencies_user_can_engage_for(request.user)
    )
    if request.method == "POST" and form.is_valid():
        engagement = _save_with(
            form,
            lambda: services.engagement_create(
                lead_agency=form.chosen_lead, by=request.user, **form.service_fields()
            ),
        )
        if engagement is not None:
            messages.success(request, _("The engagement was recorded."))
            return redirect(engagement)
    return render(request, "states/engagement_form.html", {"form": form, "engagement": None})


@login_required
@require_http_methods(["GET", "POST"])
def engagement_edit(request, pk):
    engagement = access.get_engagement_for_user(request.user, pk, write=True)
    form = EngagementForm(
        _post(request),
        instance=engagement,
        lead_agencies=access.agencies_user_can_engage_for(request.user),
    )
    if request.method == "POST" and form.is_valid():
        saved = _save_with(
            form,
            lambda: services.engagement_update(
                engagement,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                **form.service_fields(),
            ),
        )
        if saved is not None:
            messages.success(request, _("Your changes were saved."))
            return redirect(saved)
    return render(request, "states/engagement_form.html", {"form": form, "engagement": engagement})


# -- follow-ups -------------------------------------------------------------------------------


@login_required
def follow_up_list(request):
    base = FollowUp.objects.visible_to(request.user).select_related(
        "engagement__country", "owner_agency"
    )
    follow_up_filter = FollowUpFilter(request.GET or None, queryset=base)
    return render(
        request,
        "states/follow_up_list.html",
        {
            "filter": follow_up_filter,
            "page": paginate(request, follow_up_filter.qs),
            "sorting": follow_up_filter.sorting,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_GET
def follow_up_export(request):
    follow_up_filter = FollowUpFilter(
        request.GET or None, queryset=FollowUp.objects.visible_to(request.user)
    )
    rows = export.follow_up_rows(
        follow_up_filter.qs, request.build_absolute_uri, timezone.localdate()
    )
    return _csv("gmg-follow-ups", export.FOLLOW_UP_COLUMNS, rows)


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_create(request, pk):
    engagement = access.get_engagement_for_user(request.user, pk, write=True)
    form = FollowUpForm(_post(request), instance=FollowUp(engagement=engagement))
    if request.method == "POST" and form.is_valid():
        follow_up = _save_with(
            form,
            lambda: services.follow_up_create(engagement, by=request.user, **form.service_fields()),
        )
        if follow_up is not None:
            messages.success(request, _("The follow-up was added."))
            return redirect(engagement)
    return render(
        request,
        "states/follow_up_form.html",
        {"form": form, "engagement": engagement, "follow_up": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_edit(request, pk):
    follow_up = access.get_follow_up_for_user(request.user, pk, write=True)
    form = FollowUpForm(_post(request), instance=follow_up)
    if request.method == "POST" and form.is_valid():
        saved = _save_with(
            form,
            lambda: services.follow_up_update(
                follow_up,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                **form.service_fields(),
            ),
        )
        if saved is not None:
            messages.success(request, _("Your changes were saved."))
            return redirect(follow_up.engagement)
    return render(
        request,
        "states/follow_up_form.html",
        {"form": form, "engagement": follow_up.engagement, "follow_up": follow_up},
    )


@login_required
@require_POST
def follow_up_done(request, pk):
    """Mark a follow-up done today, or (done=0) open it again."""
    follow_up = access.get_follow_up_for_user(request.user, pk, write=True)
    done = request.POST.get("done", "1") != "0"
    services.follow_up_set_done(follow_up, by=request.user, done=done)
    if done:
        messages.success(request, _("The follow-up is marked done."))
    else:
        messages.success(request, _("The follow-up is open again."))
    return redirect(follow_up.engagement)


# -- requests for support ---------------------------------------------------------------------


@login_required
def request_list(request):
    base = SupportRequest.objects.visible_to(request.user).with_list_relations()
    request_filter = SupportRequestFilter(request.GET or None, queryset=base)
    return render(
        request,
        "states/request_list.html",
        {
            "filter": request_filter,
            "page": paginate(request, request_filter.qs),
            "sorting": request_filter.sorting,
            "can_log": access.can_log_request(request.user),
        },
    )


@login_required
@require_GET
def request_export(request):
    request_filter = SupportRequestFilter(
        request.GET or None, queryset=SupportRequest.objects.visible_to(request.user)
    )
    rows = export.request_rows(request_filter.qs, request.build_absolute_uri)
    return _csv("gmg-support-requests", export.REQUEST_COLUMNS, rows)


@login_required
def request_detail(request, pk):
    support_request = access.get_request_for_user(request.user, pk)
    return render(
        request,
        "states/request_detail.html",
        {
            "support_request": support_request,
            "priorities": support_request.priorities.all(),
            "events": support_request.events.select_related("actor", "lead_agency"),
            "steps": [
                (step, STEP_TITLES[step])
                for step in access.steps_for(request.user, support_request)
            ],
            "can_edit": access.can_edit_request(request.user, support_request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request):
    access.check_log_request(request.user)
    form = SupportRequestForm(_post(request))
    if request.method == "POST" and form.is_valid():
        support_request = _save_with(
            form, lambda: services.request_create(by=request.user, **form.service_fields())
        )
        if support_request is not None:
            messages.success(request, _("The request was logged."))
            return redirect(support_request)
    return render(request, "states/request_form.html", {"form": form, "support_request": None})


@login_required
@require_http_methods(["GET", "POST"])
def request_edit(request, pk):
    support_request = access.get_request_for_user(request.user, pk, write=True)
    form = SupportRequestForm(_post(request), instance=support_request)
    if request.method == "POST" and form.is_valid():
        saved = _save_with(
            form,
            lambda: services.request_update(
                support_request,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                **form.service_fields(),
            ),
        )
        if saved is not None:
            messages.success(request, _("Your changes were saved."))
            return redirect(saved)
    return render(
        request,
        "states/request_form.html",
        {"form": form, "support_request": support_request},
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_step(request, pk, step):
    if step not in STEP_TITLES:
        raise Http404
    support_request = access.get_request_for_user(request.user, pk, step=step)
    form = StepForm(_post(request), step=step)
    if request.method == "POST" and form.is_valid():
        saved = _save_with(
            form,
            lambda: services.request_step(
                support_request,
                step,
                by=request.user,
                note=form.cleaned_data["note"],
                lead_agency=form.cleaned_data.get("lead_agency"),
            ),
        )
        if saved is not None:
            messages.success(
                request,
                _("The request is now %(status)s.")
                % {"status": saved.get_status_display().lower()},
            )
            return redirect(saved)
    return render(
        request,
        "states/request_step.html",
        {"form": form, "support_request": support_request, "title": STEP_TITLES[step]},
    )
