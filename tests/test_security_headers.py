"""The headers that tell browsers how to treat the portal's pages, and /.well-known/security.txt."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone


def csp_directives(response):
    return {
        name: rest.split()
        for name, _sep, rest in (
            part.strip().partition(" ") for part in response["Content-Security-Policy"].split(";")
        )
    }


def test_a_signed_in_page_is_never_stored_and_carries_the_security_headers(client, alice):
    client.force_login(alice)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "microphone=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    directives = csp_directives(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in directives["default-src"]
    assert "Content-Security-Policy-Report-Only" not in response


def test_the_sign_in_page_carries_the_policies(client, db):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert "camera=()" in response["Permissions-Policy"]
    assert csp_directives(response)["script-src"] == ["'self'"]


def test_no_store_is_for_signed_in_people_only(client, alice):
    # security.txt: a public page with no caching rule of its own (healthz has never_cache).
    assert "no-store" not in client.get(reverse("security-txt")).get("Cache-Control", "")
    client.force_login(alice)
    assert "no-store" in client.get(reverse("security-txt"))["Cache-Control"]


def test_static_files_are_not_marked_no_store_even_for_a_signed_in_person(client, alice, settings):
    # WhiteNoise answers static files before the session and the header middleware run.
    settings.WHITENOISE_USE_FINDERS = True
    client.force_login(alice)
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    page = client.get(reverse("dashboard"))
    assert "no-store" in page["Cache-Control"]


def test_hsts_is_sent_over_https_when_configured(client, alice, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    client.force_login(alice)
    response = client.get(reverse("dashboard"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "Strict-Transport-Security" not in client.get(reverse("dashboard"))


def test_templates_have_no_inline_script_for_the_policy_to_block():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "templates"
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|javascript:", re.I)
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if not path.is_relative_to(root / "emails") and inline.search(path.read_text())
    ]
    assert offenders == []


def parse_security_txt(text):
    fields = {}
    for line in text.splitlines():
        name, _sep, value = line.partition(": ")
        fields.setdefault(name, []).append(value)
    return fields


def test_security_txt_follows_rfc_9116(client, db, settings):
    settings.SECURITY_CONTACT = "mailto:security@example.org"
    settings.SITE_URL = "https://gmg.example.org"
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    fields = parse_security_txt(response.content.decode())
    assert fields["Contact"] == ["mailto:security@example.org"]
    assert fields["Preferred-Languages"] == ["en"]
    assert fields["Canonical"] == ["https://gmg.example.org/.well-known/security.txt"]
    (expires,) = fields["Expires"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", expires)
    when = datetime.datetime.fromisoformat(expires.replace("Z", "+00:00"))
    ahead = when - timezone.now()
    assert datetime.timedelta(days=364) < ahead <= datetime.timedelta(days=365)


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_security_txt_is_read_only(client, db, method):
    assert getattr(client, method)("/.well-known/security.txt").status_code == 405
