from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from common.history import recording
from common.views import paginate

from . import selectors
from .registry import KINDS


@login_required
def record_history(request, kind, pk):
    """Who changed a record, when, and what: newest first, for those who may read it."""
    if kind not in KINDS:
        raise Http404
    record = KINDS[kind].gate(request.user, pk)
    page = paginate(request, selectors.events_of(KINDS[kind], pk))
    selectors.resolve(page.object_list)
    return render(
        request,
        "history/record_history.html",
        {"record": record, "page_obj": page, "recording": recording()},
    )
