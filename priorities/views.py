from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render

from agencies.models import Agency
from gmg_portal.views import paginate
from initiatives.models import Activity, JointInitiative

from .models import Priority


@login_required
def priority_list(request):
    priorities = Priority.objects.annotate(
        activity_count=Count("activities", distinct=True),
        initiative_count=Count("initiatives", distinct=True),
        agency_count=Count("activities__agency", distinct=True),
    )
    groups = [
        (label, [p for p in priorities if p.group == value])
        for value, label in Priority.Group.choices
    ]
    return render(request, "priorities/priority_list.html", {"groups": groups})


@login_required
def priority_detail(request, code):
    priority = get_object_or_404(Priority, code=code)
    activities = paginate(
        request,
        Activity.objects.visible_to(request.user).under_priority(priority).with_list_relations(),
    )
    agencies = (
        Agency.objects.annotate(
            total=Count("activities", filter=Q(activities__priorities=priority), distinct=True)
        )
        .filter(total__gt=0)
        .order_by("-total", "acronym")
    )
    initiatives = JointInitiative.objects.under_priority(priority).select_related("lead_agency")
    return render(
        request,
        "priorities/priority_detail.html",
        {
            "priority": priority,
            "page": activities,
            "agencies": agencies,
            "initiatives": initiatives,
        },
    )
