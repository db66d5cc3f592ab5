from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common import softdelete
from common.views import add_service_errors, paginate

from . import access, export, services
from .filters import InitiativeFilter, sort_headers
from .forms import (
    AnswerForm,
    ConfirmDeleteForm,
    InitiativeCreateForm,
    InitiativeForm,
    InviteForm,
    MilestoneForm,
    TransitionForm,
)
from .models import JointInitiative, Milestone

STALE_MESSAGE = gettext_lazy(
    "Someone else saved this initiative since you opened it. Your changes were not saved: "
    "open it again to see theirs, then redo yours."
)


@login_required
def initiative_list(request):
    base = JointInitiative.objects.with_list_relations().with_activity_count()
    initiative_filter = InitiativeFilter(request.GET or None, queryset=base)
    return render(
        request,
        "initiatives/initiative_list.html",
        {
            "filter": initiative_filter,
            "page": paginate(request, initiative_filter.qs),
            "sorting": sort_headers(initiative_filter.chosen_sort),
            "can_create": access.can_create(request.user),
        },
    )


@login_required
@require_GET
def initiative_export(request):
    """The list as the page filters and sorts it, as CSV: every page, one row each."""
    initiative_filter = InitiativeFilter(
        request.GET or None, queryset=JointInitiative.objects.all()
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"gmg-joint-initiatives-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    export.write_csv(initiative_filter.qs, response, request.build_absolute_uri)
    return response


@login_required
def initiative_detail(request, pk):
    initiative = access.get_initiative_for_user(request.user, pk)
    activities = initiative.activities.with_list_relations()
    return render(
        request,
        "initiatives/initiative_detail.html",
        {
            "initiative": initiative,
            "activities": activities,
            "participants": initiative.participating_agencies.all(),
            "priorities": initiative.priorities.all(),
            "can_edit": initiative.deleted_at is None and access.can_edit(request.user, initiative),
            "can_transition": initiative.deleted_at is None
            and access.can_transition(request.user, initiative)
            and bool(services.allowed_transitions(initiative)),
            "restorable": softdelete.is_restorable(initiative.deleted_at),
            "restore_days": softdelete.RESTORE_DAYS,
            "events": initiative.events.select_related("actor", "agency", "milestone"),
            "milestones": initiative.milestones.select_related("owner_agency"),
            "today": timezone.localdate(),
            "participations": initiative.participations.select_related("agency", "answered_by"),
            "can_answer": access.can_answer(request.user, initiative),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def initiative_create(request):
    access.check_create(request.user)
    # A proposal from an activity's similar-work panel comes filled in (overlap_tags'
    # proposal_url); the proposer reviews it before anything is saved.
    initial = {
        "title": request.GET.get("title", "")[:250],
        "priorities": request.GET.getlist("priorities"),
        "invited_agencies": request.GET.getlist("invited_agencies"),
    }
    form = InitiativeCreateForm(
        request.POST if request.method == "POST" else None, user=request.user, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        lead = data.pop("lead_agency", None) or request.user.agency
        try:
            initiative = services.initiative_create(lead_agency=lead, by=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The joint initiative was proposed."))
            return redirect(initiative)
    return render(request, "initiatives/initiative_create.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def initiative_transition(request, pk):
    initiative = access.get_initiative_for_user(request.user, pk, write=True)
    allowed = services.allowed_transitions(initiative)
    form = TransitionForm(
        request.POST if request.method == "POST" else None,
        initiative=initiative,
        allowed=allowed,
    )
    if request.method == "POST" and form.is_valid():
        try:
            initiative = services.initiative_transition(
                initiative,
                to=form.cleaned_data["to"],
                by=request.user,
                note=form.cleaned_data["note"],
                results=form.cleaned_data["results"],
                people_reached=form.cleaned_data["people_reached"],
                expected_version=form.cleaned_data["version"],
            )
        except services.StaleInitiativeError:
            form.add_error(None, STALE_MESSAGE)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The initiative is now %(status)s.")
                % {"status": initiative.get_status_display().lower()},
            )
            return redirect(initiative)
    return render(
        request,
        "initiatives/initiative_transition.html",
        {"form": form, "initiative": initiative, "allowed": allowed},
    )


@login_required
@require_http_methods(["GET", "POST"])
def initiative_edit(request, pk):
    initiative = access.get_initiative_for_user(request.user, pk, write=True)
    form = InitiativeForm(request.POST if request.method == "POST" else None, instance=initiative)
    if request.method == "POST" and form.is_valid():
        try:
            initiative = services.initiative_update(
                initiative,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                **form.service_fields(),
            )
        except services.StaleInitiativeError:
            form.add_error(None, STALE_MESSAGE)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect(initiative)
    return render(
        request, "initiatives/initiative_form.html", {"form": form, "initiative": initiative}
    )


@login_required
@require_http_methods(["GET", "POST"])
def initiative_delete(request, pk):
    initiative = access.get_initiative_for_user(request.user, pk, write=True)
    form = ConfirmDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        unlinked = services.initiative_withdraw(initiative, by=request.user)
        if not unlinked:
            message = _(
                "The joint initiative “%(title)s” was deleted; no activity was linked to it."
            )
        else:
            message = ngettext(
                "The joint initiative “%(title)s” was deleted; %(count)d activity is no "
                "longer linked to it and stays in the register.",
                "The joint initiative “%(title)s” was deleted; %(count)d activities are no "
                "longer linked to it and stay in the register.",
                unlinked,
            )
        message += " " + _("The secretariat can restore it for %(days)d days.")
        messages.success(
            request,
            message
            % {"title": initiative.title, "count": unlinked, "days": softdelete.RESTORE_DAYS},
        )
        return redirect("initiatives:initiative-list")
    return render(
        request,
        "initiatives/initiative_confirm_delete.html",
        {
            "form": form,
            "initiative": initiative,
            "activity_count": initiative.activities.count(),
            "restore_days": softdelete.RESTORE_DAYS,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def initiative_invite(request, pk):
    initiative = access.get_initiative_for_user(request.user, pk, write=True)
    form = InviteForm(request.POST if request.method == "POST" else None, initiative=initiative)
    if request.method == "POST" and form.is_valid():
        try:
            participation = services.participation_invite(
                initiative, agency=form.cleaned_data["agency"], by=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(agency)s was invited.") % {"agency": participation.agency.acronym},
            )
            return redirect(initiative)
    return render(
        request, "initiatives/initiative_invite.html", {"form": form, "initiative": initiative}
    )


@login_required
@require_http_methods(["GET", "POST"])
def initiative_answer(request, pk):
    participation = access.get_invitation_for_user(request.user, pk)
    initiative = participation.initiative
    form = AnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        accept = form.cleaned_data["answer"] == "accept"
        try:
            services.participation_answer(
                participation, accept=accept, by=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if accept:
                messages.success(request, _("Your agency now takes part in this initiative."))
            else:
                messages.success(request, _("Your agency declined to take part."))
            return redirect(initiative)
    return render(
        request,
        "initiatives/initiative_answer.html",
        {"form": form, "initiative": initiative, "participation": participation},
    )


@login_required
@require_http_methods(["GET", "POST"])
def milestone_add(request, pk):
    initiative = access.get_initiative_for_user(request.user, pk, write=True)
    form = MilestoneForm(request.POST if request.method == "POST" else None, initiative=initiative)
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_add(initiative, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The milestone was added."))
            return redirect(initiative)
    return render(
        request, "initiatives/milestone_form.html", {"form": form, "initiative": initiative}
    )


@login_required
@require_http_methods(["POST"])
def milestone_done(request, pk, milestone_pk):
    initiative = access.get_initiative_for_user(request.user, pk, write=True)
    milestone = get_object_or_404(Milestone, pk=milestone_pk, initiative=initiative)
    services.milestone_mark_done(milestone, by=request.user)
    messages.success(request, _("The milestone “%(title)s” is done.") % {"title": milestone.title})
    return redirect(initiative)


@login_required
@require_POST
def initiative_restore(request, pk):
    initiative = access.get_withdrawn_initiative_for_user(request.user, pk)
    try:
        services.initiative_restore(initiative, by=request.user)
    except services.RestoreRefused as exc:
        messages.error(request, str(exc))
        return redirect(initiative)
    messages.success(
        request,
        _("The joint initiative “%(title)s” was restored.") % {"title": initiative.title},
    )
    return redirect(initiative)
