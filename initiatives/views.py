from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gmg_portal.views import add_service_errors, paginate
from priorities.models import Priority

from . import access, services
from .filters import ActivityFilter
from .forms import ActivityForm, ConfirmDeleteForm
from .models import Activity, JointInitiative


@login_required
def dashboard(request):
    user = request.user
    activities = Activity.objects.visible_to(user).with_list_relations()
    mine = activities.of_agency(user.agency)[:8] if user.agency_id else []
    counts = Priority.objects.annotate(
        total=Count("activities", distinct=True),
        mine=Count("activities", filter=Q(activities__agency=user.agency_id), distinct=True),
    )
    return render(
        request,
        "initiatives/dashboard.html",
        {
            "my_activities": mine,
            "latest": activities[:10],
            "priority_counts": counts,
            "can_log": access.can_log_activities(user),
        },
    )


@login_required
def activity_list(request):
    base = Activity.objects.visible_to(request.user).with_list_relations()
    activity_filter = ActivityFilter(request.GET or None, queryset=base)
    page = paginate(request, activity_filter.qs)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "initiatives/activity_list.html",
        {
            "filter": activity_filter,
            "page": page,
            "query": query.urlencode(),
            "can_log": access.can_log_activities(request.user),
        },
    )


@login_required
def activity_detail(request, pk):
    from overlaps import access as overlap_access
    from overlaps import services as overlap_services

    activity = access.get_activity_for_user(request.user, pk)
    can_edit = access.can_write_activities_of(request.user, activity.agency)
    context = {
        "activity": activity,
        "can_edit": can_edit,
        "flags": overlap_access.flags_visible_to(request.user)
        .involving(activity)
        .with_pair()
        .order_by("-score", "pk"),
    }
    if can_edit:
        # Right after saving, and whenever they come back, the people who own the
        # activity see similar work by other agencies.
        context["similar"], context["focal_points"] = overlap_services.similar_for_activity(
            activity
        )
    return render(request, "initiatives/activity_detail.html", context)


def _similar_to_form(form, exclude_id=None):
    """Similar work by other agencies for the data in a valid form, before anything is saved."""
    from overlaps import services as overlap_services

    data = form.cleaned_data
    return overlap_services.similar_with_focal_points(
        agency=form.owning_agency,
        title=data["title"],
        description=data.get("description", ""),
        countries=data.get("countries") or [],
        regions=data.get("regions") or [],
        start_date=data["start_date"],
        end_date=data.get("end_date"),
        priorities=data.get("priorities") or [],
        exclude_id=exclude_id,
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request):
    agencies = access.agencies_user_can_log_for(request.user)
    if not agencies.exists():
        raise PermissionDenied
    form = ActivityForm(
        request.POST if request.method == "POST" else None,
        agencies=agencies,
        initiatives=access.linkable_initiatives(
            request.user, agencies[0] if len(agencies) == 1 else None
        ),
    )
    context = {"form": form, "activity": None}
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "check":
            context["checked"] = True
            context["similar"], context["focal_points"] = _similar_to_form(form)
            return render(request, "initiatives/activity_form.html", context)
        try:
            activity = services.activity_create(
                agency=form.owning_agency, by=request.user, **form.service_fields()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The activity was logged."))
            return redirect(activity)
    return render(request, "initiatives/activity_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request, pk):
    activity = access.get_activity_for_user(request.user, pk, write=True)
    form = ActivityForm(
        request.POST if request.method == "POST" else None,
        instance=activity,
        agencies=access.agencies_user_can_log_for(request.user),
        initiatives=access.linkable_initiatives(
            request.user, activity.agency, current=activity.initiative_id
        ),
    )
    if request.method == "POST" and form.is_valid() and request.POST.get("action") == "check":
        similar, focal_points = _similar_to_form(form, exclude_id=activity.pk)
        return render(
            request,
            "initiatives/activity_form.html",
            {
                "form": form,
                "activity": activity,
                "checked": True,
                "similar": similar,
                "focal_points": focal_points,
            },
        )
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(
                activity,
                by=request.user,
                expected_version=form.cleaned_data.get("version"),
                **form.service_fields(),
            )
        except services.StaleActivityError:
            form.add_error(
                None,
                _(
                    "Someone else changed this activity since you opened it. "
                    "Open it again to see their changes, then make yours."
                ),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect(activity)
    return render(request, "initiatives/activity_form.html", {"form": form, "activity": activity})


@login_required
@require_http_methods(["GET", "POST"])
def activity_delete(request, pk):
    activity = access.get_activity_for_user(request.user, pk, write=True)
    form = ConfirmDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.activity_delete(activity, by=request.user)
        messages.success(
            request, _("The activity “%(title)s” was deleted.") % {"title": activity.title}
        )
        return redirect("initiatives:activity-list")
    return render(
        request, "initiatives/activity_confirm_delete.html", {"form": form, "activity": activity}
    )


@login_required
def initiative_list(request):
    initiatives = (
        JointInitiative.objects.with_list_relations()
        .annotate(activity_count=Count("activities", distinct=True))
        .order_by("title", "pk")
    )
    status = request.GET.get("status")
    if status in JointInitiative.Status.values:
        initiatives = initiatives.filter(status=status)
    return render(
        request,
        "initiatives/initiative_list.html",
        {
            "page": paginate(request, initiatives),
            "statuses": JointInitiative.Status.choices,
            "status": status,
        },
    )


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
        },
    )
