"""Every email is a subject/text/HTML triplet under templates/emails/, put together by one helper.

`render` fills the triplet's templates, `build` makes the message (plain text with the HTML as
its alternative, from DEFAULT_FROM_EMAIL), `send` does both and sends. Callers that keep what
they sent (the digest) or add headers (List-Unsubscribe, a stable Message-ID) or share one SMTP
connection across many messages render and build themselves, and send the message returned.
"""

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def render(name, context):
    """(subject, text, html) for templates/emails/<name>_subject.txt, <name>.txt, <name>.html."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{name}_subject.txt", context)
    # A subject is one line, whatever the template's whitespace.
    subject = " ".join(subject.split())
    text = render_to_string(f"emails/{name}.txt", context)
    html = render_to_string(f"emails/{name}.html", context)
    return subject, text, html


def build(to, subject, text, html, *, headers=None, connection=None):
    """The message for one recipient, not yet sent."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers or {},
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message


def send(name, to, context, *, headers=None, connection=None):
    """Render, build and send; returns the message. SMTP errors reach the caller."""
    subject, text, html = render(name, context)
    message = build(to, subject, text, html, headers=headers, connection=connection)
    message.send()
    return message


def is_permanent(exc):
    """True for an SMTP answer that will not change on retry (5xx); False for 4xx, network."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False
