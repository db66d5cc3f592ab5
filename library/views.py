"""The knowledge library's pages: gate → form → service → redirect, and the one view that
hands out a stored file."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.views import add_service_errors, paginate

from . import access, export, files, services
from .filters import LibraryFilter, sort_headers
from .forms import ConfirmDeleteForm, LibraryItemForm, ReviewForm
from .models import LibraryItem

logger = logging.getLogger(__name__)

STALE_MESSAGE = gettext_lazy(
    "Someone else saved this item since you opened it. Your changes were not saved: "
    "open it again to see theirs, then redo yours."
)
REVIEW_WITHDRAWN = gettext_lazy(
    "The secretariat's review mark was withdrawn: it vouched for the text, link and file "
    "as they were. The secretariat can review the item again."
)


@login_required
def item_list(request):
    base = LibraryItem.objects.visible_to(request.user).with_list_relations()
    item_filter = LibraryFilter(request.GET or None, queryset=base)
    return render(
        request,
        "library/item_list.html",
        {
            "filter": item_filter,
            "page": paginate(request, item_filter.qs),
            "sorting": sort_headers(item_filter.chosen_sort),
            "can_create": access.can_create(request.user),
        },
    )


@login_required
@require_GET
def item_export(request):
    """The list as the page filters and sorts it, as CSV: every page, one row each."""
    item_filter = LibraryFilter(
        request.GET or None, queryset=LibraryItem.objects.visible_to(request.user)
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"gmg-library-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    export.write_csv(item_filter.qs, response, request.build_absolute_uri)
    return response


@login_required
def item_detail(request, pk):
    item = access.get_item_for_user(request.user, pk)
    # Read once, by the page and by the gate (can_edit).
    prefetch_related_objects([item], "agencies", "priorities", "countries", "themes")
    return render(
        request,
        "library/item_detail.html",
        {
            "item": item,
            "agencies": item.agencies.all(),
            "priorities": item.priorities.all(),
            "countries": item.countries.all(),
            "themes": item.themes.all(),
            "can_edit": access.can_edit(request.user, item),
            "can_review": access.can_review(request.user)
            and item.kind == LibraryItem.Kind.GOOD_PRACTICE,
        },
    )


def _required_agency(user):
    # Everyone but the secretariat shares for their own agency, which stays on the item.
    return None if user.is_secretariat else user.agency


@login_required
@require_http_methods(["GET", "POST"])
def item_create(request):
    if not access.can_create(request.user):
        raise PermissionDenied
    posted = request.method == "POST"
    form = LibraryItemForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        required_agency=_required_agency(request.user),
    )
    if posted and form.is_valid():
        try:
            item = services.item_create(
                by=request.user, upload=form.cleaned_data["file"], **form.service_fields()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The item was shared in the library."))
            return redirect(item)
    return render(request, "library/item_form.html", {"form": form, "item": None})


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, pk):
    item = access.get_item_for_user(request.user, pk, write=True)
    posted = request.method == "POST"
    form = LibraryItemForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        instance=item,
        required_agency=_required_agency(request.user),
    )
    if posted and form.is_valid():
        was_reviewed = item.is_reviewed
        try:
            item = services.item_update(
                item,
                by=request.user,
                expected_version=form.cleaned_data.get("version"),
                upload=form.cleaned_data["file"],
                remove_file=form.cleaned_data.get("remove_file", False),
                **form.service_fields(),
            )
        except services.StaleItemError:
            form.add_error(None, STALE_MESSAGE)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your changes were saved."))
            if was_reviewed and not item.is_reviewed:
                messages.warning(request, REVIEW_WITHDRAWN)
            return redirect(item)
    return render(request, "library/item_form.html", {"form": form, "item": item})


@login_required
@require_http_methods(["GET", "POST"])
def item_delete(request, pk):
    item = access.get_item_for_user(request.user, pk, write=True)
    form = ConfirmDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.item_delete(item, by=request.user)
        messages.success(request, _("“%(title)s” was deleted.") % {"title": item.title})
        return redirect("library:list")
    return render(request, "library/item_confirm_delete.html", {"form": form, "item": item})


@login_required
@require_POST
def item_review(request, pk):
    """The secretariat marks a good practice as reviewed, or withdraws the mark."""
    item = access.get_item_to_review(request.user, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to mark the item as reviewed or to withdraw the mark."))
        return redirect(item)
    mark = form.cleaned_data["decision"] == "mark"
    try:
        services.item_mark_reviewed(item, by=request.user, reviewed=mark)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if mark:
            messages.success(request, _("The good practice is marked as reviewed."))
        else:
            messages.success(request, _("The review mark was withdrawn."))
    return redirect(item)


@login_required
@require_GET
def item_download(request, pk):
    """The item's file, to people signed in only, always as a download under the name it
    was shared with: never shown in the portal's own pages, never sniffed into another type.
    """
    item = access.get_file_for_user(request.user, pk)
    try:
        handle = files.open_stored(item.stored_name)
    except FileNotFoundError:
        logger.error("Library item %s: its file %s is missing", item.pk, item.stored_name)
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=item.file_name,
        content_type=item.file_kind.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser open it anyway, it runs nothing and loads nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private"
    return response
