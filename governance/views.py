from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from common.views import add_service_errors, paginate

from . import access, export, ical, services
from .filters import ActionPointFilter, MeetingFilter, meeting_sort_headers, sort_headers
from .forms import (
    ActionPointForm,
    AgendaItemForm,
    ConfirmDeleteForm,
    ConfirmForm,
    MeetingForm,
    StatusForm,
    WorkingGroupForm,
)
from .models import ActionPoint, AgendaItem, CalendarToken, Chairmanship, Meeting, WorkingGroup


def _post(request):
    return request.POST if request.method == "POST" else None


def _save_with(form, save):
    try:
        return save()
    except ValidationError as exc:
        add_service_errors(form, exc)
    return None


# -- meetings ----------------------------------------------------------------------------------


@login_required
def meeting_list(request):
    today = timezone.localdate()
    meetings = Meeting.objects.visible_to(request.user).select_related("chair").with_counts()
    meeting_filter = MeetingFilter(request.GET or None, queryset=meetings)
    return render(
        request,
        "governance/meeting_list.html",
        {
            "filter": meeting_filter,
            "page": paginate(request, meeting_filter.qs),
            "sorting": meeting_sort_headers(meeting_filter.chosen_sort),
            "today": today,
            "can_manage": access.can_manage_meetings(request.user),
            "chair": services.current_chair(today),
        },
    )


@login_required
@require_GET
def meeting_export(request):
    meeting_filter = MeetingFilter(
        request.GET or None, queryset=Meeting.objects.visible_to(request.user)
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"gmg-meetings-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    export.write_meetings_csv(meeting_filter.qs, response, request.build_absolute_uri)
    return response


@login_required
def meeting_detail(request, pk):
    meeting = access.get_meeting_for_user(request.user, pk)
    points = list(meeting.action_points.with_list_relations())
    for point in points:
        point.can_update = access.can_update_status(request.user, point)
    return render(
        request,
        "governance/meeting_detail.html",
        {
            "meeting": meeting,
            "agenda": meeting.agenda_items.all(),
            "action_points": points,
            "today": timezone.localdate(),
            "can_manage": access.can_manage_meetings(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request):
    access.check_manage_meetings(request.user)
    form = MeetingForm(_post(request))
    if request.method == "POST" and form.is_valid():
        meeting = _save_with(
            form, lambda: services.meeting_create(by=request.user, **form.cleaned_data)
        )
        if meeting is not None:
            messages.success(request, _("The meeting was recorded."))
            return redirect(meeting)
    return render(request, "governance/meeting_form.html", {"form": form, "meeting": None})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk):
    meeting = access.get_meeting_for_user(request.user, pk, write=True)
    form = MeetingForm(_post(request), instance=meeting)
    if request.method == "POST" and form.is_valid():
        saved = _save_with(
            form,
            lambda: services.meeting_update(meeting, by=request.user, **form.cleaned_data),
        )
        if saved is not None:
            messages.success(request, _("Your changes were saved."))
            return redirect(saved)
    return render(request, "governance/meeting_form.html", {"form": form, "meeting": meeting})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_delete(request, pk):
    meeting = access.get_meeting_for_user(request.user, pk, write=True)
    form = ConfirmDeleteForm(_post(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_delete(meeting, by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The meeting was deleted."))
            return redirect("governance:meeting-list")
    return render(
        request,
        "governance/confirm_delete.html",
        {
            "form": form,
            "record": meeting,
            "blocked": meeting.action_points.exists(),
        },
    )


# -- agenda items ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def agenda_item_create(request, pk):
    meeting = access.get_meeting_for_user(request.user, pk, write=True)
    form = AgendaItemForm(_post(request), instance=AgendaItem(meeting=meeting))
    if request.method == "POST" and form.is_valid():
        item = _save_with(
            form, lambda: services.agenda_item_add(meeting, by=request.user, **form.cleaned_data)
        )
        if item is not None:
            messages.success(request, _("The agenda item was added."))
            return redirect(meeting)
    return render(
        request,
        "governance/agenda_item_form.html",
        {"form": form, "meeting": meeting, "item": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def agenda_item_edit(request, pk):
    item = access.get_agenda_item_for_user(request.user, pk, write=True)
    form = AgendaItemForm(_post(request), instance=item)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        if fields["position"] is None:
            fields["position"] = item.position
        saved = _save_with(
            form, lambda: services.agenda_item_update(item, by=request.user, **fields)
        )
        if saved is not None:
            messages.success(request, _("Your changes were saved."))
            return redirect(item.meeting)
    return render(
        request,
        "governance/agenda_item_form.html",
        {"form": form, "meeting": item.meeting, "item": item},
    )


# -- action points -----------------------------------------------------------------------------


@login_required
def action_point_list(request):
    base = ActionPoint.objects.visible_to(request.user).with_list_relations()
    point_filter = ActionPointFilter(request.GET or None, queryset=base)
    return render(
        request,
        "governance/action_point_list.html",
        {
            "filter": point_filter,
            "page": paginate(request, point_filter.qs),
            "sorting": sort_headers(point_filter.chosen_sort),
            "today": timezone.localdate(),
            "overdue_total": ActionPoint.objects.visible_to(request.user)
            .overdue(timezone.localdate())
            .count(),
        },
    )


@login_required
@require_GET
def action_point_export(request):
    point_filter = ActionPointFilter(
        request.GET or None, queryset=ActionPoint.objects.visible_to(request.user)
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"gmg-action-points-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    export.write_csv(point_filter.qs, response, request.build_absolute_uri)
    return response


@login_required
def action_point_detail(request, pk):
    point = access.get_action_point_for_user(request.user, pk)
    return render(
        request,
        "governance/action_point_detail.html",
        {
            "point": point,
            "today": timezone.localdate(),
            "can_manage": access.can_manage_meetings(request.user),
            "can_update": access.can_update_status(request.user, point),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_point_create(request, pk):
    meeting = access.get_meeting_for_user(request.user, pk, write=True)
    form = ActionPointForm(_post(request), meeting=meeting, instance=ActionPoint(meeting=meeting))
    if request.method == "POST" and form.is_valid():
        point = _save_with(
            form,
            lambda: services.action_point_create(meeting, by=request.user, **form.cleaned_data),
        )
        if point is not None:
            messages.success(request, _("The action point was recorded."))
            return redirect(meeting)
    return render(
        request,
        "governance/action_point_form.html",
        {"form": form, "meeting": meeting, "point": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_point_edit(request, pk):
    point = access.get_action_point_for_user(request.user, pk, write=True)
    form = ActionPointForm(_post(request), meeting=point.meeting, instance=point)
    if request.method == "POST" and form.is_valid():
        saved = _save_with(
            form,
            lambda: services.action_point_update(point, by=request.user, **form.cleaned_data),
        )
        if saved is not None:
            messages.success(request, _("Your changes were saved."))
            return redirect(saved)
    return render(
        request,
        "governance/action_point_form.html",
        {"form": form, "meeting": point.meeting, "point": point},
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_point_status(request, pk):
    point = access.get_action_point_for_user(request.user, pk, status=True)
    form = StatusForm(
        _post(request),
        initial={"status": point.status, "done_on": point.done_on, "note": point.status_note},
    )
    if request.method == "POST" and form.is_valid():
        saved = _save_with(
            form,
            lambda: services.action_point_set_status(point, by=request.user, **form.cleaned_data),
        )
        if saved is not None:
            messages.success(request, _("The status was updated."))
            return redirect(saved)
    return render(request, "governance/action_point_status.html", {"form": form, "point": point})


# -- chairs and working groups -----------------------------------------------------------------


@login_required
def chair_history(request):
    terms = Chairmanship.objects.select_related("agency", "co_chair")
    return render(
        request,
        "governance/chair_history.html",
        {"terms": terms, "current": services.current_chair()},
    )


@login_required
def working_group_list(request):
    groups = WorkingGroup.objects.prefetch_related("co_chairs", "members")
    return render(
        request,
        "governance/working_group_list.html",
        {"groups": groups, "can_manage": access.can_manage_working_groups(request.user)},
    )


@login_required
def working_group_detail(request, slug):
    group = access.get_working_group_for_user(request.user, slug)
    return render(
        request,
        "governance/working_group_detail.html",
        {
            "group": group,
            "co_chairs": group.co_chairs.order_by("acronym"),
            "members": group.members.order_by("acronym"),
            "can_manage": access.can_manage_working_groups(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def working_group_create(request):
    if not access.can_manage_working_groups(request.user):
        raise PermissionDenied
    form = WorkingGroupForm(_post(request))
    if request.method == "POST" and form.is_valid():
        group = _save_with(form, lambda: services.working_group_create(**form.service_fields()))
        if group is not None:
            messages.success(request, _("The working group was set up."))
            return redirect(group)
    return render(request, "governance/working_group_form.html", {"form": form, "group": None})


@login_required
@require_http_methods(["GET", "POST"])
def working_group_edit(request, slug):
    group = access.get_working_group_for_user(request.user, slug, write=True)
    form = WorkingGroupForm(_post(request), instance=group)
    if request.method == "POST" and form.is_valid():
        saved = _save_with(
            form,
            lambda: services.working_group_update(group, by=request.user, **form.service_fields()),
        )
        if saved is not None:
            messages.success(request, _("Your changes were saved."))
            return redirect(saved)
    if request.method == "POST":
        # The form changed the instance's name in memory; the page names the group as saved.
        group.refresh_from_db(fields=["name"])
    return render(request, "governance/working_group_form.html", {"form": form, "group": group})


# -- calendar feed -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request):
    form = ConfirmForm(_post(request))
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "revoke":
            services.calendar_token_revoke(request.user)
            messages.success(request, _("Your calendar address was revoked; it no longer works."))
        else:
            services.calendar_token_create(request.user)
            messages.success(request, _("Your new calendar address is ready."))
        return redirect("governance:calendar-settings")
    token = CalendarToken.objects.filter(user=request.user).first()
    url = (
        request.build_absolute_uri(reverse("governance:calendar-feed", args=[token.token]))
        if token
        else ""
    )
    return render(request, "governance/calendar_settings.html", {"token": token, "feed_url": url})


@require_GET
def calendar_feed(request, token):
    """The person's calendar, without a session: the secret address is the key. An unknown
    or revoked address, or a person who left, is 404."""
    found = CalendarToken.objects.select_related("user").filter(token=token).first()
    if found is None or not found.user.is_active:
        raise Http404
    body = ical.calendar(found.user, request.build_absolute_uri, request.get_host())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="gmg.ics"'
    # Private to its owner: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response
