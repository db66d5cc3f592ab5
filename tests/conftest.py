import os

import pytest
from django.db import connection

from agencies.models import Agency, Role

from .factories import PASSWORD, UserFactory


def pytest_sessionstart(session):
    # In CI the suite must run on the real stack: a missing PostgreSQL fails the run
    # instead of quietly falling back to SQLite.
    if os.environ.get("CI") and connection.vendor != "postgresql":
        raise pytest.UsageError("CI must run the tests on PostgreSQL: set DATABASE_URL.")


@pytest.fixture(autouse=True)
def _fresh_overlap_cache():
    # The engine caches profiles per process; each test has its own database contents.
    from overlaps import engine

    engine.invalidate_cache()
    yield
    engine.invalidate_cache()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The cache is shared between processes and kept between runs (sign-in rate limits live
    # there): each test starts with no failed sign-ins counted.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _two_step_optional(settings):
    # Two-step sign-in is required of the secretariat in every deployment; tests about
    # other things sign them in with force_login and no authenticator app. The tests of the
    # rule (test_sign_in_two_step.py), the site-wide sweep and the browser tests turn it on.
    settings.GMG_TWO_STEP_REQUIRED_FOR_SECRETARIAT = False


@pytest.fixture
def two_step_required(settings):
    settings.GMG_TWO_STEP_REQUIRED_FOR_SECRETARIAT = True


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def library_files(settings, tmp_path):
    """Where the library keeps its files during a test: a directory of the test's own, so
    that no test writes under var/ or sees another's files."""
    settings.LIBRARY_FILES_ROOT = tmp_path / "library-files"
    return settings.LIBRARY_FILES_ROOT


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def iom(db):
    return Agency.objects.get(acronym="IOM")


@pytest.fixture
def ilo(db):
    return Agency.objects.get(acronym="ILO")


@pytest.fixture
def alice(iom):
    """Staff at IOM."""
    return UserFactory(email="alice@iom.example", full_name="Alice", agency=iom)


@pytest.fixture
def fiona(iom):
    """Focal point at IOM."""
    return UserFactory(
        email="fiona@iom.example", full_name="Fiona", agency=iom, role=Role.FOCAL_POINT
    )


@pytest.fixture
def harry(iom):
    """Head of IOM: reads everything, writes nothing."""
    return UserFactory(email="harry@iom.example", full_name="Harry", agency=iom, role=Role.HEAD)


@pytest.fixture
def bob(ilo):
    """Staff at ILO: an outsider to IOM's activities."""
    return UserFactory(email="bob@ilo.example", full_name="Bob", agency=ilo)


@pytest.fixture
def sam(db):
    """The secretariat: portal-wide."""
    return UserFactory(email="sam@gmg.example", full_name="Sam", agency=None, role=Role.SECRETARIAT)


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


# Function-scoped on purpose: a running Playwright keeps an event loop in this thread,
# and the database set-up between tests must not happen under it.
@pytest.fixture
def browser(live_server, django_db_serialized_rollback):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls in browser
    # tests are ordinary blocking test code, not async views.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is needed for the browser tests: not found at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    # A script or style the Content-Security-Policy blocks fails the test that met it, even
    # when the page still looks right to the assertions.
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert not blocked, f"the Content-Security-Policy blocked: {blocked}"


@pytest.fixture
def pair(iom, ilo, alice, bob, django_capture_on_commit_callbacks):
    """IOM's and ILO's reintegration work in Kenya, flagged as a pair by the check on save
    (tests/test_overlap_flow.py's texts)."""
    from overlaps.models import OverlapFlag

    from .test_overlap_flow import ILO_TEXT, IOM_TEXT, log

    with django_capture_on_commit_callbacks(execute=True):
        a = log(iom, alice, "IOM-1", IOM_TEXT)
    with django_capture_on_commit_callbacks(execute=True):
        b = log(ilo, bob, "ILO-1", ILO_TEXT)
    assert OverlapFlag.objects.count() == 1
    return a, b


@pytest.fixture
def own_agency_only(monkeypatch):
    """Each person sees their own agency's activities alone. Everyone signed in reads every
    activity today; the gate (`ActivityQuerySet.visible_to`) is where a narrower rule would
    go, and what the pages keep must follow it without another change."""
    from activities.models import ActivityQuerySet

    everyone = ActivityQuerySet.visible_to

    def narrower(self, user):
        return everyone(self, user).filter(agency_id=user.agency_id)

    monkeypatch.setattr(ActivityQuerySet, "visible_to", narrower)
