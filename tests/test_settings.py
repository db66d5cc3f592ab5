import importlib.util
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[1]
SETUP = (
    "import django, os; "
    "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'gmg_portal.settings'); django.setup()"
)


@pytest.fixture
def load_settings(monkeypatch):
    """Run gmg_portal/settings.py afresh under these environment variables; its module."""

    def load(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        spec = importlib.util.spec_from_file_location(
            "settings_under_test", ROOT / "gmg_portal" / "settings.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


# -- EMAIL_URL (parsed by dj-email-url) ----------------------------------------------------


def test_smtp_url_gives_host_port_and_quoted_credentials(load_settings):
    settings = load_settings(EMAIL_URL="smtp://user%40x:p%2Fss@mail.example.org:2525")
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    assert settings.EMAIL_HOST == "mail.example.org"
    assert settings.EMAIL_PORT == 2525
    assert settings.EMAIL_HOST_USER == "user@x"
    assert settings.EMAIL_HOST_PASSWORD == "p/ss"
    assert (settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL) == (False, False)
    assert settings.EMAIL_TIMEOUT == 10  # never wait forever on a silent server


def test_submission_url_is_starttls_on_587(load_settings):
    settings = load_settings(EMAIL_URL="submission://u:p@smtp.example.org?timeout=3")
    assert settings.EMAIL_PORT == 587
    assert (settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL) == (True, False)
    assert settings.EMAIL_TIMEOUT == 3


def test_ssl_query_is_implicit_tls(load_settings):
    settings = load_settings(EMAIL_URL="smtp://u:p@smtp.example.org:465?ssl=1")
    assert settings.EMAIL_PORT == 465
    assert (settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL) == (False, True)


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("console://", "console"),
        ("memory://", "locmem"),
        ("locmem://", "locmem"),
        ("file:////tmp/gmg-mail", "filebased"),
    ],
)
def test_other_backends(load_settings, url, backend):
    chosen = load_settings(EMAIL_URL=url).EMAIL_BACKEND
    assert chosen == f"django.core.mail.backends.{backend}.EmailBackend"


def test_file_url_paths(load_settings):
    assert load_settings(EMAIL_URL="file:////tmp/gmg-mail").EMAIL_FILE_PATH == "/tmp/gmg-mail"
    default = load_settings(EMAIL_URL="file://").EMAIL_FILE_PATH
    assert default == str(ROOT / "var" / "mail")


def test_console_is_the_default(load_settings, monkeypatch):
    monkeypatch.delenv("EMAIL_URL", raising=False)
    assert load_settings().EMAIL_BACKEND.endswith("console.EmailBackend")


@pytest.mark.parametrize("url", ["pigeon://coop", "smtps://h:465", "smtp+tls://h:587"])
def test_unknown_or_ambiguous_email_scheme_is_refused(load_settings, url):
    # smtps:// and smtp+tls:// were this portal's own spellings; dj-email-url reads smtps://
    # as STARTTLS, so a deployment still using them must hear about it.
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        load_settings(EMAIL_URL=url)


# -- booleans and numbers --------------------------------------------------------------------


@pytest.mark.parametrize("word", ["1", "true", "Yes", " ON "])
def test_boolean_words_for_on(load_settings, word):
    assert load_settings(DJANGO_SECURE_COOKIES=word).SESSION_COOKIE_SECURE is True


@pytest.mark.parametrize("word", ["0", "false", "No", "off"])
def test_boolean_words_for_off(load_settings, word):
    assert load_settings(DJANGO_SECURE_COOKIES=word).SESSION_COOKIE_SECURE is False


def test_empty_boolean_keeps_the_default(load_settings):
    settings = load_settings(DJANGO_DEBUG="1", DJANGO_SECURE_COOKIES="")
    assert settings.SESSION_COOKIE_SECURE is False  # the default: on only without DEBUG


@pytest.mark.parametrize("word", ["Ture", "enabled", "2", "y"])
def test_a_boolean_typo_is_refused_not_read_as_off(load_settings, word):
    with pytest.raises(ImproperlyConfigured) as refused:
        load_settings(DJANGO_SECURE_COOKIES=word)
    message = str(refused.value)
    assert "DJANGO_SECURE_COOKIES" in message
    assert repr(word) in message
    assert "1, true, yes, on" in message and "0, false, no, off" in message


def test_a_number_that_is_not_one_is_refused_by_name(load_settings):
    with pytest.raises(ImproperlyConfigured, match="GMG_PAGE_SIZE"):
        load_settings(GMG_PAGE_SIZE="twenty")


# -- the cache that sign-in rate limits live in ------------------------------------------------


def test_cache_is_redis_when_there_is_redis(load_settings):
    settings = load_settings(REDIS_URL="redis://127.0.0.1:6379/9")
    assert settings.CACHES["default"]["BACKEND"] == "common.cache.RedisCache"
    assert settings.CACHES["default"]["LOCATION"] == "redis://127.0.0.1:6379/9"
    # Sessions are read from it first, the database keeping them too.
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"


def test_cache_without_redis_is_shared_files_not_process_memory(load_settings, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings = load_settings()
    assert settings.CACHES["default"]["BACKEND"].endswith("filebased.FileBasedCache")
    assert settings.CACHES["default"]["LOCATION"] == ROOT / "var" / "cache"
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


# -- production ------------------------------------------------------------------------------


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


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k" * 50,
    "SITE_URL": "https://gmg.example.org",
    "DJANGO_ALLOWED_HOSTS": "gmg.example.org",
}


def test_production_starts_with_a_real_secret_key():
    result = run_check(**PRODUCTION)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", ["SITE_URL", "DJANGO_ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_its_address(name):
    env = {key: value for key, value in PRODUCTION.items() if key != name}
    result = run_check(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr


def test_development_keeps_its_local_address():
    result = run_check(DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr


def compose_environment():
    """The settings docker-compose.yml gives the portal, with a generated secret key."""
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    env = {name: str(value) for name, value in compose["x-env"].items()}
    assert env["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY")
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    return env


def run_deploy_check(env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "SITE_URL", "REDIS_", "EMAIL_", "GMG_"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_deploy_check_passes_with_the_compose_settings_behind_tls():
    # The compose stack is plain http on localhost and says so with DJANGO_SECURE_COOKIES=0,
    # which its own comment tells a deployment behind TLS to drop: everything else is as given.
    env = compose_environment()
    assert env.pop("DJANGO_SECURE_COOKIES") == "0"
    result = run_deploy_check(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_plain_http_compose_stack_is_warned_about_https_only():
    result = run_deploy_check(compose_environment())
    assert result.returncode != 0
    found = set(re.findall(r"\((security\.W\d+)\)", result.stderr))
    # Redirect to https, secure session and CSRF cookies: exactly what plain http gives up.
    assert found == {"security.W008", "security.W012", "security.W016"}
