"""Small pieces every app's views share."""

from django.conf import settings
from django.core.paginator import Paginator

from . import tallies


def paginate(request, queryset, *, kept_as=None, key=None):
    """The page of `queryset` the request asks for (?page=), at the portal's page size.

    With `kept_as` (a kind of data common.tallies versions, e.g. "activities", or a tuple
    of kinds), the count of the rows is kept in the cache until that data changes, instead
    of counted per page; `key` is the rows' tallies.query_key when the page has it already.
    """
    if kept_as:
        paginator = tallies.KeptCountPaginator(queryset, settings.PAGE_SIZE, kind=kept_as, key=key)
    else:
        paginator = Paginator(queryset, settings.PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def add_service_errors(form, exc):
    """Show a service's ValidationError on the form: on its field where the form has one."""
    if not hasattr(exc, "error_dict"):
        for message in exc.messages:
            form.add_error(None, message)
        return
    for field, messages in exc.message_dict.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)
