"""The pages of joint trainings and transfers: gate → form → service → redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from common.views import add_service_errors, paginate

from . import access, export, services
from .filters import TrainingFilter, TransferFilter, training_sort_headers, transfer_sort_headers
from .forms import ConfirmDeleteForm, TrainingForm, TransferForm, participants_formset
from .models import Training, Transfer

STALE_MESSAGE = gettext_lazy(
    "Someone else saved this since you opened it. Your changes were not saved: "
    "open it again to see theirs, then redo yours."
)


def _post(request):
    return request.POST if request.method == "POST" else None


def _save_with(form, save):
    """Run `save()` (a service call) for a valid form; the saved record, or None with the
    service's refusal shown on the form."""
    try:
        return save()
    except services.StaleEditError:
        form.add_error(None, STALE_MESSAGE)
    except ValidationError as exc:
        add_service_errors(form, exc)
    return None


def _csv_response(name):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"gmg-{name}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# -- trainings --------------------------------------------------------------------------------


@login_required
def training_list(request):
    base = Training.objects.visible_to(request.user).with_list_relations()
    training_filter = TrainingFilter(request.GET or None, queryset=base)
    return render(
        request,
        "capacity/training_list.html",
        {
            "filter": training_filter,
            "page": paginate(request, training_filter.qs),
            "sorting": training_sort_headers(training_filter.chosen_sort),
            "can_record": access.can_record(request.user),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_GET
def training_export(request):
    """The list as the page filters and sorts it, as CSV: every page, one row each."""
    training_filter = TrainingFilter(
        request.GET or None, queryset=Training.objects.visible_to(request.user).with_total()
    )
    response = _csv_response("joint-trainings")
    rows = export.training_rows(
        training_filter.qs, request.build_absolute_uri, timezone.localdate()
    )
    export.write_csv(response, export.TRAINING_COLUMNS, rows)
    return response


@login_required
def training_detail(request, pk):
    training = access.get_training_for_user(request.user, pk)
    return render(
        request,
        "capacity/training_detail.html",
        {
            "training": training,
            "participants": training.participants.select_related("agency"),
            "priorities": training.priorities.all(),
            "can_edit": access.can_edit_training(request.user, training),
        },
    )


def _training_form(request, training):
    lead_agencies = access.agencies_user_can_record_for(request.user)
    form = TrainingForm(_post(request), instance=training, lead_agencies=lead_agencies)
    formset = participants_formset(_post(request), training)
    saved = None
    if request.method == "POST" and form.is_valid() & formset.is_valid():
        fields = form.service_fields()
        if training.pk:
            saved = _save_with(
                form,
                lambda: services.training_update(
                    training,
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                    participants=formset.rows(),
                    **fields,
                ),
            )
        else:
            saved = _save_with(
                form,
                lambda: services.training_create(
                    lead_agency=form.chosen_lead,
                    by=request.user,
                    participants=formset.rows(),
                    **fields,
                ),
            )
    if saved is not None:
        messages.success(request, _("The joint training was saved."))
        return redirect(saved)
    return render(
        request,
        "capacity/training_form.html",
        {"form": form, "formset": formset, "training": training if training.pk else None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def training_create(request):
    access.check_record(request.user)
    return _training_form(request, Training())


@login_required
@require_http_methods(["GET", "POST"])
def training_edit(request, pk):
    training = access.get_training_for_user(request.user, pk, write=True)
    return _training_form(request, training)


@login_required
@require_http_methods(["GET", "POST"])
def training_delete(request, pk):
    training = access.get_training_for_user(request.user, pk, write=True)
    form = ConfirmDeleteForm(_post(request))
    if request.method == "POST" and form.is_valid():
        services.training_delete(training, by=request.user)
        messages.success(request, _("“%(title)s” was deleted.") % {"title": training.title})
        return redirect("capacity:training-list")
    return render(
        request,
        "capacity/confirm_delete.html",
        {
            "form": form,
            "record": training,
            "heading": _("Delete “%(title)s”?") % {"title": training.title},
        },
    )


# -- transfers --------------------------------------------------------------------------------


@login_required
def transfer_list(request):
    base = Transfer.objects.visible_to(request.user).with_list_relations()
    transfer_filter = TransferFilter(request.GET or None, queryset=base)
    return render(
        request,
        "capacity/transfer_list.html",
        {
            "filter": transfer_filter,
            "page": paginate(request, transfer_filter.qs),
            "sorting": transfer_sort_headers(transfer_filter.chosen_sort),
            "can_record": access.can_record(request.user),
        },
    )


@login_required
@require_GET
def transfer_export(request):
    transfer_filter = TransferFilter(
        request.GET or None, queryset=Transfer.objects.visible_to(request.user)
    )
    response = _csv_response("inter-agency-transfers")
    rows = export.transfer_rows(
        transfer_filter.qs, request.build_absolute_uri, timezone.localdate()
    )
    export.write_csv(response, export.TRANSFER_COLUMNS, rows)
    return response


@login_required
def transfer_detail(request, pk):
    transfer = access.get_transfer_for_user(request.user, pk)
    return render(
        request,
        "capacity/transfer_detail.html",
        {
            "transfer": transfer,
            "priorities": transfer.priorities.all(),
            "can_edit": access.can_edit_transfer(request.user, transfer),
        },
    )


def _transfer_form(request, transfer):
    own = access.agencies_user_can_record_for(request.user)
    form = TransferForm(_post(request), instance=transfer, own_agencies=own)
    saved = None
    if request.method == "POST" and form.is_valid():
        fields = form.service_fields()
        if transfer.pk:
            saved = _save_with(
                form,
                lambda: services.transfer_update(
                    transfer,
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                    **fields,
                ),
            )
        else:
            saved = _save_with(form, lambda: services.transfer_create(by=request.user, **fields))
    if saved is not None:
        messages.success(request, _("The transfer was saved."))
        return redirect(saved)
    return render(
        request,
        "capacity/transfer_form.html",
        {"form": form, "transfer": transfer if transfer.pk else None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer_create(request):
    access.check_record(request.user)
    return _transfer_form(request, Transfer())


@login_required
@require_http_methods(["GET", "POST"])
def transfer_edit(request, pk):
    transfer = access.get_transfer_for_user(request.user, pk, write=True)
    return _transfer_form(request, transfer)


@login_required
@require_http_methods(["GET", "POST"])
def transfer_delete(request, pk):
    transfer = access.get_transfer_for_user(request.user, pk, write=True)
    form = ConfirmDeleteForm(_post(request))
    if request.method == "POST" and form.is_valid():
        services.transfer_delete(transfer, by=request.user)
        messages.success(request, _("The transfer was deleted."))
        return redirect("capacity:transfer-list")
    return render(
        request,
        "capacity/confirm_delete.html",
        {
            "form": form,
            "record": transfer,
            "heading": _("Delete the transfer “%(transfer)s”?") % {"transfer": transfer},
        },
    )
