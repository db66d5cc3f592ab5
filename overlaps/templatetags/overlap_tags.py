"""Presentation helpers for overlap flags."""

import functools
import re
from urllib.parse import urlencode

from django import template
from django.core.exceptions import EmptyResultSet
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from activities.models import REGISTER
from common import tallies

from .. import access, drafts, services
from ..exports import reasons_sentence as _reasons_sentence
from ..forms import PairNotificationsForm
from ..models import PAIRS
from ..reasons import Names, describe

register = template.Library()


def mark_terms(text, terms):
    """`text` escaped, with every word starting with one of `terms` wrapped in <mark>.

    The raw text is split on the terms first and each piece escaped on its own, so
    neither the text nor the terms can inject markup and no entity is ever cut in two.
    """
    text = text or ""
    words = sorted({t.strip() for t in terms or [] if t and t.strip()}, key=len, reverse=True)
    if not words:
        return conditional_escape(text)
    pattern = re.compile(
        r"\b((?:" + "|".join(re.escape(w) for w in words) + r")\w*)", re.IGNORECASE
    )
    pieces = pattern.split(text)
    html = []
    for index, piece in enumerate(pieces):
        if index % 2:
            html.append(format_html("<mark>{}</mark>", piece))
        else:
            html.append(conditional_escape(piece))
    # Every piece is escaped above.
    return mark_safe("".join(html))  # noqa: S308  # nosec B308, B703  # escaped above


@register.filter(name="mark_terms")
def mark_terms_filter(text, terms):
    return mark_terms(text, terms)


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template; an empty list when missing."""
    if not mapping:
        return []
    return mapping.get(key, [])


@register.filter
def percent(value):
    """A similarity between 0 and 1 as a whole percentage."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return ""
    if value <= 1:
        value *= 100
    return round(value)


@register.filter
def reasons_sentence(reasons):
    """A flag's reasons in words: a flag described in bulk (`reasons.describe_flags`, as the
    queue and the pair page do), or a reasons dict (whose names are read for it alone)."""
    described = getattr(reasons, "described", None)
    if described is not None:
        return described.sentence()
    return _reasons_sentence(getattr(reasons, "reasons", reasons) or {})


# The activity pages belong to the register, which sits below overlap detection; these
# tags let its templates show overlap information without the register importing it.


@register.simple_tag(takes_context=True)
def reasons_in_words(context, reasons, score=None):
    """A reasons dict in words, with names read once per kind for the whole page (the
    filter above reads them for each call): for lists of reasons that are not flags."""
    names = context.get("reason_names") or context.render_context.setdefault(
        "overlap_reason_names", Names()
    )
    return describe(reasons or {}, score=score, names=names).sentence()


def _visible_key(flags):
    """The SQL naming the pairs `flags` selects; "none" when it can select none."""
    try:
        return tallies.query_key(flags.values("pk"))
    except EmptyResultSet:
        return "none"


@register.inclusion_tag("overlaps/includes/activity_overlaps.html", takes_context=True)
def activity_overlaps(context, activity, show_similar=False):
    """The flags on an activity the viewer may see; for its owners, similar work too."""
    user = context["request"].user
    # The list of flags is kept rendered (the template's {% cache %}) under the versions of
    # the pairs, the register (the other activity's title) and the reference lists (its
    # agency's acronym), read first; and the pairs this person may see (their SQL), so
    # that people who see different pairs never share it. Read only to render it again.
    visible = access.flags_visible_to(user)
    panel = {
        "activity": activity,
        "flags": functools.cache(
            lambda: list(visible.involving(activity).with_pair().order_by("-score", "pk"))
        ),
        "kept": {
            "timeout": tallies.TIMEOUT,
            "flags": tallies.fragment_key(
                tallies.versions(PAIRS, REGISTER, tallies.REFERENCE),
                str(activity.pk),
                _visible_key(visible),
                get_language(),
            ),
        },
        "show_similar": show_similar,
        # After saving: the words of the similar-work panel fit a logged activity.
        "moment": "saved",
    }
    if show_similar:
        # Right after saving, and whenever they come back, the people who own the
        # activity see similar work by other agencies.
        panel["similar"], panel["focal_points"] = services.similar_for_activity(activity)
        # The names in all their reasons, read once for the panel rather than per activity.
        panel["reason_names"] = Names()
        panel["reason_names"].prefetch([score.reasons or {} for _, score in panel["similar"]])
    return panel


@register.inclusion_tag("includes/similar_activities.html")
def similar_to_draft(form, exclude_id=None):
    """Similar work by other agencies for what an activity form holds so far, saving nothing.

    The form need not be valid, nor even bound: see overlaps.drafts.
    """
    return drafts.similar_panel(form, exclude_id=exclude_id)


@register.inclusion_tag("overlaps/includes/pair_notifications_form.html", takes_context=True)
def pair_notifications_form(context, next_url=""):
    """The choice between emails at once and the digest only, for pages of other apps."""
    user = context["request"].user
    return {
        "form": PairNotificationsForm(initial={"pair_notifications": user.pair_notifications}),
        "next_url": next_url,
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def proposal_url(activity, own=None):
    """The page proposing a joint initiative with `activity`'s agency, filled in from it
    and, once it is saved, from `own` (the viewer's activity): a title, their priorities,
    the other agency invited. Proposed there, it is tracked in the portal, not in a mailbox.
    """
    base = own if own is not None and getattr(own, "pk", None) else activity
    priorities = {p.pk for p in activity.priorities.all()}
    if base is not activity:
        priorities |= {p.pk for p in base.priorities.all()}
    query = urlencode(
        {
            "title": (_("Joint: %(title)s") % {"title": base.title})[:250],
            "priorities": sorted(priorities),
            "invited_agencies": [activity.agency_id],
        },
        doseq=True,
    )
    return f"{reverse('initiatives:create')}?{query}"
