"""Who to write to when signing in does not work: settings.GMG_SUPPORT_EMAIL, on the pages
that allauth renders (sign-in, password reset, inactive account), which take no context of ours."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def support_email():
    return settings.GMG_SUPPORT_EMAIL
