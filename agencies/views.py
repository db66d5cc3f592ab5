from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from gmg_portal.views import add_service_errors, paginate
from initiatives.models import Activity, JointInitiative
from priorities.models import Priority

from . import access, services
from .forms import AcceptInvitationForm, InvitationForm
from .models import Agency, Role, User


@login_required
def agency_list(request):
    agencies = Agency.objects.annotate(
        activity_count=Count("activities", distinct=True),
        member_count=Count("members", filter=Q(members__is_active=True), distinct=True),
    ).order_by("-is_active", "acronym")
    return render(request, "agencies/agency_list.html", {"agencies": agencies})


@login_required
def agency_detail(request, slug):
    agency = access.get_agency(slug)
    people = User.objects.filter(agency=agency, is_active=True).order_by("role", "full_name")
    by_role = [(label, [p for p in people if p.role == value]) for value, label in Role.choices]
    activities = paginate(
        request, Activity.objects.visible_to(request.user).of_agency(agency).with_list_relations()
    )
    footprint = Priority.objects.annotate(
        total=Count("activities", filter=Q(activities__agency=agency), distinct=True)
    )
    initiatives = JointInitiative.objects.involving(agency).select_related("lead_agency")
    return render(
        request,
        "agencies/agency_detail.html",
        {
            "agency": agency,
            "people_by_role": [(label, group) for label, group in by_role if group],
            "page": activities,
            "footprint": footprint,
            "initiatives": initiatives,
            "can_invite": access.can_invite(request.user, agency),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def invitation_list(request):
    invitations = access.invitations_visible_to(request.user)
    form = InvitationForm(
        request.POST if request.method == "POST" else None,
        agencies=access.invitable_agencies(request.user),
        roles=access.invitable_roles(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not access.can_invite(request.user, data.get("agency")):
            raise PermissionDenied
        try:
            services.invitation_create(
                by=request.user,
                email=data["email"],
                role=data["role"],
                agency=data.get("agency"),
                full_name=data.get("full_name", ""),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("An invitation was emailed to %(email)s.") % {"email": data["email"]}
            )
            return redirect("agencies:invitation-list")
    page = paginate(request, invitations)
    return render(request, "agencies/invitation_list.html", {"form": form, "page": page})


@login_required
@require_POST
def invitation_revoke(request, pk):
    invitation = access.get_invitation_for_user(request.user, pk)
    services.invitation_revoke(invitation)
    messages.success(
        request, _("The invitation to %(email)s was revoked.") % {"email": invitation.email}
    )
    return redirect("agencies:invitation-list")


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    invitation = services.invitation_by_token(token)
    if invitation is None:
        return render(request, "agencies/invitation_invalid.html", status=404)
    form = AcceptInvitationForm(
        request.POST if request.method == "POST" else None,
        email=invitation.email,
        initial={"full_name": invitation.full_name},
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
            )
        except ValidationError as exc:
            # E.g. someone created this person's account while the invitation was pending.
            form.add_error(None, exc.messages)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to the GMG Portal."))
            return redirect("dashboard")
    return render(
        request, "agencies/invitation_accept.html", {"form": form, "invitation": invitation}
    )
