from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.views import add_service_errors, paginate

from . import access, services
from .filters import SecurityEventFilter
from .forms import AcceptInvitationForm, InvitationForm, RoleForm


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
            invitation = services.invitation_create(
                by=request.user,
                email=data["email"],
                role=data["role"],
                agency=data.get("agency"),
                full_name=data.get("full_name", ""),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            _tell_how_the_email_went(request, invitation)
            return redirect("agencies:invitation-list")
    page = paginate(request, invitations)
    return render(request, "agencies/invitation_list.html", {"form": form, "page": page})


def _tell_how_the_email_went(request, invitation):
    if invitation.email_error:
        messages.error(
            request,
            _(
                "The invitation to %(email)s is saved, but the email could not be sent. "
                "Check the address, then send it again or revoke it."
            )
            % {"email": invitation.email},
        )
    else:
        messages.success(
            request, _("An invitation was emailed to %(email)s.") % {"email": invitation.email}
        )


@login_required
@require_POST
def invitation_resend(request, pk):
    invitation = access.get_invitation_for_user(request.user, pk)
    try:
        invitation = services.invitation_resend(invitation, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        _tell_how_the_email_went(request, invitation)
    return redirect("agencies:invitation-list")


@login_required
@require_POST
def invitation_revoke(request, pk):
    invitation = access.get_invitation_for_user(request.user, pk)
    services.invitation_revoke(invitation, by=request.user)
    messages.success(
        request, _("The invitation to %(email)s was revoked.") % {"email": invitation.email}
    )
    return redirect("agencies:invitation-list")


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    invitation = services.invitation_by_token(token)
    if invitation is None:
        return render(request, "agencies/invitation_invalid.html", status=404)
    if request.user.is_authenticated:
        # Someone else's browser, or a second account of one's own: accepting here would
        # sign the current person out, or leave them signed in as the wrong person. Ask first;
        # signing out brings them back to this page.
        return render(request, "agencies/invitation_signed_in.html", {"invitation": invitation})
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
            login(request, user, backend="agencies.backends.ModelBackend")
            messages.success(request, _("Welcome to the GMG Portal."))
            return redirect("dashboard")
    return render(
        request, "agencies/invitation_accept.html", {"form": form, "invitation": invitation}
    )


# -- people ------------------------------------------------------------------------------


@login_required
def person_list(request, slug):
    """An agency's people, active and deactivated, with what their manager may do."""
    agency = access.get_agency_to_manage(request.user, slug)
    people = (
        access.people_managed_by(request.user).filter(agency=agency).order_by("full_name", "email")
    )
    roles = access.assignable_roles(request.user)
    active = [
        (person, RoleForm(person=person, roles=roles)) for person in people if person.is_active
    ]
    deactivated = [person for person in people if not person.is_active]
    return render(
        request,
        "agencies/person_list.html",
        {
            "agency": agency,
            "active": active,
            "deactivated": deactivated,
            "has_focal_point": services.agency_has_focal_point(agency),
        },
    )


def _back_to_people(person):
    if person.agency_id:
        return redirect("agencies:person-list", slug=person.agency.slug)
    return redirect("agency-list")


@login_required
@require_POST
def person_role(request, pk):
    person = access.get_person_for_user(request.user, pk)
    form = RoleForm(request.POST, person=person, roles=access.assignable_roles(request.user))
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["role"]))
        return _back_to_people(person)
    try:
        person = services.member_set_role(person, role=form.cleaned_data["role"], by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back_to_people(person)
    messages.success(
        request,
        _("The role of %(name)s is now “%(role)s”.")
        % {"name": person.display_name, "role": person.get_role_display()},
    )
    if person.agency_id and not services.agency_has_focal_point(person.agency):
        messages.warning(
            request,
            _("%(agency)s has no focal point now: invite one, or make someone focal point.")
            % {"agency": person.agency.acronym},
        )
    if person.pk == request.user.pk and not access.can_manage_people(person, person.agency):
        # They stepped down: the People page is no longer theirs to see.
        return redirect(person.agency.get_absolute_url())
    return _back_to_people(person)


@login_required
@require_http_methods(["GET", "POST"])
def person_deactivate(request, pk):
    """GET asks for confirmation; POST deactivates and ends the person's sessions."""
    person = access.get_person_for_user(request.user, pk)
    if request.method == "POST":
        try:
            person = services.member_deactivate(person, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(name)s was deactivated and signed out everywhere.")
                % {"name": person.display_name},
            )
        return _back_to_people(person)
    cancel = (
        reverse("agencies:person-list", args=[person.agency.slug])
        if person.agency_id
        else reverse("agency-list")
    )
    return render(
        request,
        "agencies/person_confirm_deactivate.html",
        {"person": person, "is_self": person.pk == request.user.pk, "cancel_url": cancel},
    )


@login_required
@require_POST
def person_reactivate(request, pk):
    person = access.get_person_for_user(request.user, pk)
    person = services.member_reactivate(person, by=request.user)
    messages.success(
        request,
        _("%(name)s can sign in again.") % {"name": person.display_name},
    )
    return _back_to_people(person)


# -- the security log ----------------------------------------------------------------------


@login_required
def security_log(request):
    """Sign-ins, refusals and changes of access, newest first: for the secretariat only."""
    events = access.security_events_for(request.user)
    filterset = SecurityEventFilter(request.GET, queryset=events)
    # An invalid filter (a date that is not one) shows its error and no events, not all.
    shown = filterset.qs if filterset.is_valid() else events.none()
    return render(
        request,
        "agencies/security_log.html",
        {
            "filter": filterset,
            "page": paginate(request, shown),
            "retention_days": settings.SECURITY_LOG_DAYS,
        },
    )
