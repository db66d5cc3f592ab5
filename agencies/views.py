from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.views import add_service_errors, paginate

from . import access, services
from .forms import AcceptInvitationForm, InvitationForm


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
