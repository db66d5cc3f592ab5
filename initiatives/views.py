from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from common.views import paginate

from . import access
from .models import JointInitiative


@login_required
def initiative_list(request):
    initiatives = (
        JointInitiative.objects.with_list_relations().with_activity_count().order_by("title", "pk")
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
