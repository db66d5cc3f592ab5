"""Presentation helpers for overlap flags."""

import re

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from ..exports import reasons_sentence as _reasons_sentence

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
    return mark_safe("".join(html))  # noqa: S308 - every piece is escaped above


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
    return _reasons_sentence(reasons or {})
