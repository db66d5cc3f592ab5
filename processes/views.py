"""The pages of the processes register: gate → form → service → redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from common.views import add_service_errors, paginate
from initiatives.access import linkable_initiatives

from . import access, export, selectors, services
from .filters import ContributionFilter, sort_headers
from .forms import ConfirmDeleteForm, ContributionForm, EventForm, ProcessForm
from .models import Contribution, Event, Process

STALE_MESSAGE = gettext_lazy(
    "Someone else saved this since you opened it. Your changes were not saved: "
    "open it again to see theirs, then redo yours."
)


def _post(request):
    return request.POST if request.method == "POST" else None


def _save_with(form, save):
    """Run `save()` (a service call) for a valid form; the saved record, or None with the
    service's refusal shown on the form."""
    try:
        return save()
    except services.StaleEditError:
        form.add_error(None, STALE_MESSAGE)
    except ValidationError as exc:
        add_service_errors(form, exc)
    return None


# -- processes --------------------------------------------------------------------------------


@login_required
def process_list(request):
    processes = Process.objects.visible_to(request.user).with_counts().order_by("name")
    return render(
        request,
        "processes/process_list.html",
        {
            "processes": processes,
            "can_manage": access.can_manage_processes(request.user),
            "deadlines": selectors.upcoming_deadlines(request.user, timezone.localdate()),
        },
    )


@login_required
def process_detail(request, slug):
    process = access.get_process_for_user(request.user, slug)
    events = process.events.with_contribution_count().order_by("start_date", "pk")
    return render(
        request,
        "processes/process_detail.html",
        {
            "process": process,
            "events": events,
            "today": timezone.localdate(),
            "can_manage": access.can_manage_processes(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def process_create(request):
    access.check_manage_processes(request.user)
    form = ProcessForm(_post(request))
    if request.method == "POST" and form.is_valid():
        process = _save_with(
            form, lambda: services.process_create(by=request.user, **form.service_fields())
        )
        if process is not None:
            messages.success(request, _("The process was added."))
            return redirect(process)
    return render(request, "processes/process_form.html", {"form": form, "process": None})


@login_required
@require_http_methods(["GET", "POST"])
def process_edit(request, slug):
    process = access.get_process_for_user(request.user, slug, write=True)
    form = ProcessForm(_post(request), instance=process)
    if request.method == "POST" and form.is_valid():
        saved = _save_with(
            form,
            lambda: services.process_update(
                process,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                **form.service_fields(),
            ),
        )
        if saved is not None:
            messages.success(request, _("Your changes were saved."))
            return redirect(saved)
    return render(request, "processes/process_form.html", {"form": form, "process": process})


@login_required
@require_http_methods(["GET", "POST"])
def process_delete(request, slug):
    process = access.get_process_for_user(request.user, slug, write=True)
    form = ConfirmDeleteForm(_post(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.process_delete(process, by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("The process “%(name)s” was deleted.") % {"name": process.name}
            )
            return redirect("processes:process-list")
    return render(
        request,
        "processes/confirm_delete.html",
        {
            "form": form,
            "record": process,
            "heading": _("Delete the process “%(name)s”?") % {"name": process.name},
            "blocked": process.events.exists(),
            "blocked_text": _("It has events: delete them first, or keep it as a record."),
        },
    )


# -- events -----------------------------------------------------------------------------------


@login_required
def event_detail(request, pk):
    event = access.get_event_for_user(request.user, pk)
    return render(
        request,
        "processes/event_detail.html",
        {
            "event": event,
            "contributions": selectors.for_event(event, request.user),
            "can_manage": access.can_manage_processes(request.user),
            "can_contribute": access.can_contribute(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_create(request, slug):
    process = access.get_process_for_user(request.user, slug, write=True)
    form = EventForm(_post(request), instance=Event(process=process))
    if request.method == "POST" and form.is_valid():
        event = _save_with(
            form,
            lambda: services.event_create(process, by=request.user, **form.service_fields()),
        )
        if event is not None:
            messages.success(request, _("The event was added."))
            return redirect(event)
    return render(
        request, "processes/event_form.html", {"form": form, "process": process, "event": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request, pk):
    event = access.get_event_for_user(request.user, pk, write=True)
    form = EventForm(_post(request), instance=event)
    if request.method == "POST" and form.is_valid():
        saved = _save_with(
            form,
            lambda: services.event_update(
                event,
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
        "processes/event_form.html",
        {"form": form, "process": event.process, "event": event},
    )


@login_required
@require_http_methods(["GET", "POST"])
def event_delete(request, pk):
    event = access.get_event_for_user(request.user, pk, write=True)
    form = ConfirmDeleteForm(_post(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.event_delete(event, by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("The event “%(title)s” was deleted.") % {"title": event.title}
            )
            return redirect(event.process)
    return render(
        request,
        "processes/confirm_delete.html",
        {
            "form": form,
            "record": event,
            "heading": _("Delete the event “%(title)s”?") % {"title": event.title},
            "blocked": event.contributions.exists(),
            "blocked_text": _("Agencies have recorded contributions to it, so it stays."),
        },
    )


# -- contributions ----------------------------------------------------------------------------


@login_required
def contribution_list(request):
    base = Contribution.objects.visible_to(request.user).with_list_relations()
    contribution_filter = ContributionFilter(request.GET or None, queryset=base)
    return render(
        request,
        "processes/contribution_list.html",
        {
            "filter": contribution_filter,
            "page": paginate(request, contribution_filter.qs),
            "sorting": sort_headers(contribution_filter.chosen_sort),
        },
    )


@login_required
@require_GET
def contribution_export(request):
    """The list as the page filters and sorts it, as CSV: every page, one row each."""
    contribution_filter = ContributionFilter(
        request.GET or None, queryset=Contribution.objects.visible_to(request.user)
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"gmg-process-contributions-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    export.write_csv(contribution_filter.qs, response, request.build_absolute_uri)
    return response


@login_required
def contribution_detail(request, pk):
    contribution = access.get_contribution_for_user(request.user, pk)
    return render(
        request,
        "processes/contribution_detail.html",
        {
            "contribution": contribution,
            "agencies": contribution.agencies.order_by("acronym"),
            "priorities": contribution.priorities.all(),
            "can_edit": access.can_edit_contribution(request.user, contribution),
        },
    )


def _contribution_create(request, pk, joint):
    access.check_contribute(request.user)
    event = access.get_event_for_user(request.user, pk)
    lead_agencies = access.agencies_user_can_contribute_for(request.user)
    own = lead_agencies[0] if len(lead_agencies) == 1 else None
    form = ContributionForm(
        _post(request),
        instance=Contribution(event=event, is_joint=joint),
        event=event,
        joint=joint,
        lead_agencies=lead_agencies,
        initiatives=linkable_initiatives(request.user, own) if joint else None,
    )
    if request.method == "POST" and form.is_valid():
        contribution = _save_with(
            form,
            lambda: services.contribution_create(
                event,
                lead_agency=form.chosen_lead,
                by=request.user,
                joint=joint,
                **form.service_fields(),
            ),
        )
        if contribution is not None:
            if joint:
                messages.success(request, _("The joint input was recorded."))
            else:
                messages.success(request, _("The contribution was recorded."))
            return redirect(contribution)
    return render(
        request,
        "processes/contribution_form.html",
        {"form": form, "event": event, "contribution": None, "joint": joint},
    )


@login_required
@require_http_methods(["GET", "POST"])
def contribution_create(request, pk):
    return _contribution_create(request, pk, joint=False)


@login_required
@require_http_methods(["GET", "POST"])
def joint_input_create(request, pk):
    return _contribution_create(request, pk, joint=True)


@login_required
@require_http_methods(["GET", "POST"])
def contribution_edit(request, pk):
    contribution = access.get_contribution_for_user(request.user, pk, write=True)
    joint = contribution.is_joint
    form = ContributionForm(
        _post(request),
        instance=contribution,
        event=contribution.event,
        joint=joint,
        lead_agencies=access.agencies_user_can_contribute_for(request.user),
        initiatives=linkable_initiatives(
            request.user, contribution.lead_agency, current=contribution.initiative_id
        )
        if joint
        else None,
    )
    if request.method == "POST" and form.is_valid():
        saved = _save_with(
            form,
            lambda: services.contribution_update(
                contribution,
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
        "processes/contribution_form.html",
        {"form": form, "event": contribution.event, "contribution": contribution, "joint": joint},
    )


@login_required
@require_http_methods(["GET", "POST"])
def contribution_delete(request, pk):
    contribution = access.get_contribution_for_user(request.user, pk, write=True)
    form = ConfirmDeleteForm(_post(request))
    if request.method == "POST" and form.is_valid():
        services.contribution_delete(contribution, by=request.user)
        messages.success(request, _("“%(title)s” was deleted.") % {"title": contribution.title})
        return redirect(contribution.event)
    return render(
        request,
        "processes/confirm_delete.html",
        {
            "form": form,
            "record": contribution,
            "heading": _("Delete “%(title)s”?") % {"title": contribution.title},
            "blocked": False,
        },
    )
