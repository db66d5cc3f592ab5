from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from common.views import add_service_errors, paginate

from . import access, diff, export, services
from .filters import PositionFilter, sort_headers
from .forms import (
    AnswerForm,
    CommentForm,
    CompareForm,
    DeadlineForm,
    PositionCreateForm,
    PositionEditForm,
    ReplyForm,
    StageForm,
)
from .models import Endorsement, Position, PositionComment

STALE_MESSAGE = gettext_lazy(
    "Someone saved a new version of the text since you opened it. Your changes were not "
    "saved: open the position again to read theirs, then redo yours."
)


@login_required
def position_list(request):
    base = Position.objects.visible_to(request.user).with_list_relations()
    position_filter = PositionFilter(
        request.GET or None, queryset=base.with_endorsement_counts(), request=request
    )
    return render(
        request,
        "positions/position_list.html",
        {
            "filter": position_filter,
            "page": paginate(request, position_filter.qs),
            "sorting": sort_headers(position_filter.chosen_sort),
            "can_create": access.can_create(request.user),
        },
    )


@login_required
@require_GET
def position_export(request):
    """The list as the page filters and sorts it, as CSV: every page, one row each."""
    position_filter = PositionFilter(
        request.GET or None, queryset=Position.objects.visible_to(request.user), request=request
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"gmg-common-positions-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    export.write_csv(position_filter.qs, response, request.build_absolute_uri)
    return response


def _threads(position):
    """The comments as threads (each first comment with its replies), grouped by version,
    the newest version first: [(version, [(comment, [reply, ...]), ...]), ...]. 1 query."""
    comments = list(
        PositionComment.objects.filter(position=position)
        .select_related("author", "agency", "version")
        .order_by("created_at", "pk")
    )
    replies = {}
    for comment in comments:
        if comment.parent_id:
            replies.setdefault(comment.parent_id, []).append(comment)
    by_version = {}
    for comment in comments:
        if comment.parent_id is None:
            by_version.setdefault(comment.version, []).append(
                (comment, replies.get(comment.pk, []))
            )
    return sorted(by_version.items(), key=lambda item: -item[0].number)


def _endorsement_context(position):
    endorsements = list(position.endorsements.select_related("agency", "answered_by"))
    Status = Endorsement.Status
    return {
        "endorsements": endorsements,
        "endorsed": [e for e in endorsements if e.status == Status.ENDORSED],
        "declined": [e for e in endorsements if e.status == Status.DECLINED],
        "not_answered": [e for e in endorsements if e.status == Status.PENDING],
    }


@login_required
def position_detail(request, pk):
    position = access.get_position_for_user(request.user, pk)
    user = request.user
    versions = list(position.versions.select_related("author"))
    steps = access.steps_for(user, position, services.allowed_transitions(position))
    today = timezone.localdate()
    # The current version from the list, which has its author already.
    current = next(v for v in versions if v.pk == position.current_version_id)
    context = {
        "position": position,
        "current": current,
        "versions": versions,
        "previous": versions[1] if len(versions) > 1 else None,
        "priorities": position.priorities.all(),
        "threads": _threads(position),
        "can_edit": access.can_edit(user, position),
        "steps": steps,
        "can_set_deadline": access.can_set_deadline(user, position),
        "can_comment": access.can_comment(user, position, today),
        "comments_open": access.comments_open(position, today),
        "my_endorsement": access.pending_endorsement_for(user, position),
        "comment_form": CommentForm(),
        "events": position.events.select_related("actor", "agency", "version"),
        "today": today,
        **_endorsement_context(position),
    }
    if position.status == Position.Status.ENDORSEMENT:
        context["adoption_blockers"] = services.adoption_blockers(position, today)
    return render(request, "positions/position_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def position_create(request):
    access.check_create(request.user)
    form = PositionCreateForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        lead = data.pop("lead_agency", None) or request.user.agency
        try:
            position = services.position_create(lead_agency=lead, by=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The draft was saved as version 1."))
            return redirect(position)
    return render(request, "positions/position_create.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def position_edit(request, pk):
    position = access.get_position_to_edit(request.user, pk)
    form = PositionEditForm(request.POST if request.method == "POST" else None, instance=position)
    if request.method == "POST" and form.is_valid():
        before = position.current_version_id
        try:
            position = services.position_update(position, by=request.user, **form.service_fields())
        except services.StalePositionError:
            form.add_error(None, STALE_MESSAGE)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if position.current_version_id != before:
                messages.success(
                    request,
                    _("The text was saved as version %(number)s.")
                    % {"number": position.current_version.number},
                )
            else:
                messages.success(request, _("Your changes were saved."))
            return redirect(position)
    return render(request, "positions/position_form.html", {"form": form, "position": position})


@login_required
def position_version(request, pk, number):
    position = access.get_position_for_user(request.user, pk)
    version = get_object_or_404(position.versions.select_related("author"), number=number)
    return render(
        request,
        "positions/position_version.html",
        {
            "position": position,
            "version": version,
            "is_current": version.pk == position.current_version_id,
            "has_previous": version.number > 1,
        },
    )


@login_required
def position_compare(request, pk):
    """Two versions side by side (or in one column), the current with the one before it
    unless ?old= and ?new= say which."""
    position = access.get_position_for_user(request.user, pk)
    versions = {v.number: v for v in position.versions.select_related("author")}
    numbers = sorted(versions)
    newest = numbers[-1]
    defaults = {"old": max(newest - 1, 1), "new": newest, "view": "side"}
    form = CompareForm({**defaults, **request.GET.dict()}, numbers=numbers)
    if form.is_valid():
        chosen = form.cleaned_data
    else:
        fallback = CompareForm(defaults, numbers=numbers)
        fallback.is_valid()
        chosen = fallback.cleaned_data
    old, new = versions[chosen["old"]], versions[chosen["new"]]
    view = chosen["view"] or "side"
    added, removed = diff.changed(old.text, new.text)
    return render(
        request,
        "positions/position_compare.html",
        {
            "position": position,
            "form": form,
            "old": old,
            "new": new,
            "view": view,
            "rows": diff.side_by_side(old.text, new.text) if view == "side" else None,
            "segments": diff.inline(old.text, new.text) if view == "inline" else None,
            "added": added,
            "removed": removed,
            "single": len(numbers) == 1,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def position_stage(request, pk):
    position = access.get_position_to_move(request.user, pk)
    steps = access.steps_for(request.user, position, services.allowed_transitions(position))
    form = StageForm(request.POST if request.method == "POST" else None, steps=steps)
    if request.method == "POST" and steps and form.is_valid():
        try:
            position = services.position_transition(
                position,
                to=form.cleaned_data["to"],
                by=request.user,
                note=form.cleaned_data["note"],
                deadline=form.cleaned_data["deadline"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The position is now: %(status)s.")
                % {"status": position.get_status_display().lower()},
            )
            return redirect(position)
    blockers = []
    if position.status == Position.Status.ENDORSEMENT:
        blockers = services.adoption_blockers(position)
    return render(
        request,
        "positions/position_stage.html",
        {"form": form, "position": position, "steps": steps, "adoption_blockers": blockers},
    )


@login_required
@require_http_methods(["GET", "POST"])
def position_deadline(request, pk):
    position = access.get_position_for_deadline(request.user, pk)
    form = DeadlineForm(
        request.POST if request.method == "POST" else None,
        initial={"deadline": position.stage_deadline},
    )
    if request.method == "POST" and form.is_valid():
        try:
            position = services.deadline_change(
                position, deadline=form.cleaned_data["deadline"], by=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The deadline was changed."))
            return redirect(position)
    return render(request, "positions/position_deadline.html", {"form": form, "position": position})


@login_required
@require_http_methods(["POST"])
def comment_add(request, pk):
    position = access.get_position_to_comment(request.user, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.comment_add(
                position, by=request.user, text=form.cleaned_data["text"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your comment was added."))
            return redirect(f"{position.get_absolute_url()}#comment-{comment.pk}")
    return render(
        request,
        "positions/comment_form.html",
        {"form": form, "position": position, "parent": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def comment_reply(request, pk, comment_pk):
    position = access.get_position_to_comment(request.user, pk)
    parent = get_object_or_404(
        PositionComment.objects.select_related("author", "agency", "version"),
        pk=comment_pk,
        position=position,
    )
    form = ReplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            reply = services.comment_add(
                position, by=request.user, text=form.cleaned_data["text"], parent=parent
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your reply was added."))
            return redirect(f"{position.get_absolute_url()}#comment-{reply.pk}")
    return render(
        request,
        "positions/comment_form.html",
        {"form": form, "position": position, "parent": parent},
    )


@login_required
@require_http_methods(["GET", "POST"])
def endorsement_answer(request, pk):
    endorsement = access.get_endorsement_for_user(request.user, pk)
    position = endorsement.position
    form = AnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        endorse = form.cleaned_data["answer"] == "endorse"
        try:
            services.endorsement_answer(
                endorsement, endorse=endorse, by=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if endorse:
                messages.success(request, _("Your agency endorses this position."))
            else:
                messages.success(request, _("Your agency declined to endorse this position."))
            return redirect(position)
    return render(
        request,
        "positions/position_answer.html",
        {"form": form, "position": position, "endorsement": endorsement},
    )


@login_required
def position_published(request, pk):
    """The adopted text, read-only and laid out for printing, with who endorsed it."""
    position = access.get_position_for_user(request.user, pk)
    if position.status != Position.Status.ADOPTED:
        raise Http404
    return render(
        request,
        "positions/position_published.html",
        {
            "position": position,
            "version": position.current_version,
            "priorities": position.priorities.all(),
            **_endorsement_context(position),
        },
    )
