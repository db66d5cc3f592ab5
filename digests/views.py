"""The digest pages: preferences, archive, one delivery, preview and one-click unsubscribe."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from agencies.models import User
from common import emails
from common.views import paginate

from . import access, services, tokens
from . import week as weeks
from .content import build_digest
from .forms import ArchiveFilterForm, PreferenceForm, PreviewForm, default_frequency
from .models import DigestDelivery, DigestPreference, Frequency


def framed(html):
    """An email's HTML for the sandboxed iframe of our pages: its links open in the window.

    Clicked in the frame, a link would load the portal inside it, which the portal refuses
    (X-Frame-Options: DENY): the reader would be stuck. With `<base target="_top">` and the
    sandbox's allow-top-navigation-by-user-activation, a click (only a click) takes the
    whole window there; scripts, forms and popups stay blocked.
    """
    return html.replace("<head>", '<head>\n<base target="_top">', 1)


def _preference_of(user):
    preference = DigestPreference.objects.filter(user=user).first()
    if preference is None:
        preference = DigestPreference(
            user=user, frequency=default_frequency(user), language=settings.LANGUAGE_CODE
        )
    return preference


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    preference = _preference_of(request.user)
    if request.method == "POST" and request.POST.get("action") == "resubscribe":
        services.preference_set(request.user, frequency=Frequency.WEEKLY)
        messages.success(request, _("You will receive the digest every week again."))
        return redirect("digests:preferences")
    form = PreferenceForm(request.POST if request.method == "POST" else None, instance=preference)
    if request.method == "POST" and form.is_valid():
        services.preference_set(
            request.user,
            frequency=form.cleaned_data["frequency"],
            language=form.cleaned_data.get("language"),
        )
        messages.success(request, _("Your digest preferences were saved."))
        return redirect("digests:preferences")
    return render(
        request,
        "digests/preferences.html",
        {
            "form": form,
            "preference": preference,
            "is_saved": preference.pk is not None,
            "unsubscribed": preference.pk is not None and preference.frequency == Frequency.NEVER,
        },
    )


@login_required
def archive(request):
    user = request.user
    deliveries = access.deliveries_visible_to(user)
    context = {}
    if access.can_see_everyones(user):
        form = ArchiveFilterForm(request.GET or None)
        if form.is_valid():
            if form.cleaned_data["person"]:
                deliveries = deliveries.filter(recipient=form.cleaned_data["person"])
            if form.cleaned_data["status"]:
                deliveries = deliveries.filter(status=form.cleaned_data["status"])
        context["form"] = form
        context["failed"] = (
            DigestDelivery.objects.filter(status=DigestDelivery.Status.FAILED)
            .select_related("recipient")
            .order_by("-updated_at", "-pk")[:50]
        )
    query = request.GET.copy()
    query.pop("page", None)
    page = paginate(request, deliveries)
    context.update(page=page, query=query.urlencode())
    return render(request, "digests/archive.html", context)


@login_required
def detail(request, pk):
    delivery = access.get_delivery_for_user(request.user, pk)
    return render(
        request,
        "digests/detail.html",
        {"delivery": delivery, "framed_html": framed(delivery.html_body)},
    )


def _next_week_for(recipient, preference, now=None):
    """The ISO week of the next digest this person gets.

    A digest reports on a whole week and goes out early in the next (weeks.reported). So it
    is last week's until that has gone out (its send time has passed, or their digest of it
    is already sent, empty or failed); then this week's, or for a biweekly subscriber the
    next even week's.
    """
    now = now or timezone.now()
    year, week = weeks.reported(now)
    settled = (
        DigestDelivery.objects.for_week(year, week)
        .filter(recipient=recipient)
        .exclude(status=DigestDelivery.Status.PENDING)
        .exists()
    )
    if settled or now >= services.send_time(year, week):
        year, week = weeks.following(year, week)
    # Around a 53-week year two odd weeks (53, then 1) come in a row.
    while preference.frequency == Frequency.BIWEEKLY and week % 2:
        year, week = weeks.following(year, week)
    return year, week


@login_required
def preview(request):
    recipient = request.user
    form = None
    if access.can_preview_others(request.user):
        form = PreviewForm(request.GET or None)
        if form.is_valid() and form.cleaned_data["recipient"]:
            recipient = form.cleaned_data["recipient"]
    preference = _preference_of(recipient)
    year, week = _next_week_for(recipient, preference)
    digest = build_digest(recipient, year, week)
    with translation.override(preference.language or settings.LANGUAGE_CODE):
        subject, text, html = emails.render("digest", digest.context())
    return render(
        request,
        "digests/preview.html",
        {
            "form": form,
            "recipient": recipient,
            "preference": preference,
            "digest": digest,
            "subject": subject,
            "text_body": text,
            "html_body": framed(html),
            "week_label": weeks.label(year, week),
            "send_at": services.send_time(year, week),
        },
    )


@csrf_exempt  # The signed token is the credential; RFC 8058 one-click POSTs carry no CSRF token.
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    claim = tokens.read_claim(token)
    user = (
        User.objects.select_related("digest_preference").filter(pk=claim[0]).first()
        if claim is not None
        else None
    )
    # A link from before the person subscribed again is no longer theirs to use.
    if user is None or claim[1] != tokens.generation_of(user):
        return render(request, "digests/unsubscribe_invalid.html", status=400)
    if request.method == "GET":
        return render(request, "digests/unsubscribe.html", {"person": user, "done": False})
    # A browser's confirm button and a mail client's "List-Unsubscribe=One-Click" both land here.
    services.preference_set(user, frequency=Frequency.NEVER)
    return render(request, "digests/unsubscribe.html", {"person": user, "done": True})
