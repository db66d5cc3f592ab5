import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from gmg_portal.settings import email_settings

ROOT = Path(__file__).resolve().parents[1]
SETUP = (
    "import django, os; "
    "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'gmg_portal.settings'); django.setup()"
)


def test_smtp_url_is_parsed():
    settings = email_settings("smtp://user%40x:p%2Fss@mail.example.org:2525")
    assert settings["EMAIL_HOST"] == "mail.example.org"
    assert settings["EMAIL_PORT"] == 2525
    assert settings["EMAIL_HOST_USER"] == "user@x"
    assert settings["EMAIL_HOST_PASSWORD"] == "p/ss"
    assert settings["EMAIL_USE_TLS"] is False


def test_tls_and_console_and_file_urls():
    assert email_settings("smtp+tls://h:587")["EMAIL_USE_TLS"] is True
    assert email_settings("smtps://h")["EMAIL_PORT"] == 465
    assert email_settings("console://")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    assert email_settings("file:///tmp/mail")["EMAIL_FILE_PATH"] == "/tmp/mail"


def test_unknown_email_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured):
        email_settings("pigeon://coop")


def run_check(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            SETUP,
        ],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_production_refuses_to_start_without_a_real_secret_key():
    result = run_check(DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_starts_with_a_real_secret_key():
    result = run_check(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="k" * 50)
    assert result.returncode == 0, result.stderr
