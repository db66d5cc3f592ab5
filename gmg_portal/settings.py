"""Settings for the GMG Portal: the one settings file, read from the environment.

Every value that differs between deployments comes from an environment variable
(documented in README.md and .env.example). With nothing set the portal runs for
development: a SQLite file, Celery tasks executed eagerly, mail to the console.
"""

import os
from pathlib import Path

import dj_database_url
import dj_email_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


# What a boolean variable may say. Anything else is refused rather than read as "off":
# DJANGO_SECURE_COOKIES=Ture must stop the deployment, not quietly send cookies over http.
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def envbool(name, default):
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={os.environ[name]!r} is not understood: use one of "
        f"{', '.join(TRUE_WORDS)} (on) or {', '.join(FALSE_WORDS)} (off)."
    )


def envint(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None


def envlist(name, default):
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# SMTP without a timeout waits forever on a server that accepts the connection and says nothing.
EMAIL_TIMEOUT_DEFAULT = 10


def email_settings(url):
    """Django's EMAIL_* settings for EMAIL_URL, parsed by dj-email-url.

    smtp://user:pass@host:port (plain), submission://user:pass@host (STARTTLS, port 587),
    smtp://user:pass@host:465?ssl=1 (implicit TLS), console://, file:///relative/dir or
    file:////absolute/dir (dj-email-url drops the first slash), memory:// (locmem:// too);
    ?timeout=SECONDS on any SMTP form, 10 when not given.
    """
    scheme, _sep, rest = url.partition("://")
    scheme = scheme.lower()
    if scheme in ("smtps", "smtp+tls"):
        # smtps:// meant implicit TLS here but means STARTTLS to dj-email-url: refuse the old
        # spellings rather than let a deployment change its transport without a word.
        raise ImproperlyConfigured(
            f"EMAIL_URL: {scheme}:// is no longer understood; use submission://host "
            "(STARTTLS, port 587) or smtp://host:465?ssl=1 (implicit TLS)."
        )
    if scheme == "locmem":  # the older spelling, still used by scripts
        url = f"memory://{rest}"
    try:
        config = dj_email_url.parse(url)
    except ValueError as exc:
        raise ImproperlyConfigured(f"EMAIL_URL could not be read: {exc}") from None
    if "EMAIL_BACKEND" not in config:
        raise ImproperlyConfigured(f"EMAIL_URL has an unknown scheme: {scheme!r}")
    if config["EMAIL_TIMEOUT"] is None:
        config["EMAIL_TIMEOUT"] = EMAIL_TIMEOUT_DEFAULT
    if config["EMAIL_BACKEND"].endswith("filebased.EmailBackend") and not config["EMAIL_FILE_PATH"]:
        config["EMAIL_FILE_PATH"] = str(BASE_DIR / "var" / "mail")
    # What the URL does not say keeps Django's default (e.g. EMAIL_HOST for console://).
    return {key: value for key, value in config.items() if value not in (None, "")}


DEBUG = envbool("DJANGO_DEBUG", True)

# Refused at start-up when DEBUG is off (below): only ever a development key (bandit B105).
_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # nosec B105
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _DEV_SECRET_KEY
if not DEBUG and (SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 40):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 40 characters "
        "when DJANGO_DEBUG is off."
    )

# In production these two must be said: a default would put 127.0.0.1 in the links of
# every email the portal sends, and answer to host names nobody chose.
if not DEBUG:
    _missing = [name for name in ("SITE_URL", "DJANGO_ALLOWED_HOSTS") if not os.environ.get(name)]
    if _missing:
        raise ImproperlyConfigured(
            f"{' and '.join(_missing)} must be set when DJANGO_DEBUG is off (see .env.example)."
        )
ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", [SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    # For their static files (Tom Select for the place pickers; htmx and its
    # {% htmx_script %} tag for the similar-work panel): no models, no URLs.
    "django_tomselect",
    "django_htmx",
    "csp",
    "allauth",
    "allauth.account",
    # Audit history (history/): pgtrigger installs the triggers that pghistory's events need.
    "pgtrigger",
    "pghistory",
    # Two-step sign-in (TOTP and recovery codes): open to everyone, required of the
    # secretariat and superusers (agencies/middleware.py).
    "allauth.mfa",
    "gmg_portal",
    "common",
    "geo",
    "agencies",
    "priorities",
    "initiatives",
    "activities",
    "overlaps",
    "library",
    "processes",
    "positions",
    "states",
    "capacity",
    "governance",
    # Above every app whose records it keeps the history of.
    "history",
    "digests",
    "demo",
    # Tooling, not product: listed (never imported by the product) so that its commands,
    # `generate_benchmark_data`, run through manage.py against the configured database.
    "benchmarks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A lost database: a plain 503 page rather than a server error (templates/503.html).
    "common.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: whether the response is someone's own page decides its caching.
    "common.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # request.htmx: tells a panel refresh from a page load.
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Records each 403 in the security log (agencies.security_log).
    "agencies.middleware.SecurityLogMiddleware",
    # After authentication: every write a request makes is recorded with its user and URL.
    "history.middleware.HistoryMiddleware",
    # After authentication and messages: a session idle or older than its limit ends here, and
    # an account that must have two-step sign-in reaches only its set-up pages without it.
    "agencies.middleware.SessionTimeoutMiddleware",
    "agencies.middleware.RequireTwoStepMiddleware",
]

ROOT_URLCONF = "gmg_portal.urls"
WSGI_APPLICATION = "gmg_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'gmg.sqlite3'}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 0),
        # A connection lost while the database restarted is noticed and replaced at the next
        # request, so the portal recovers by itself once the database is back.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # An unreachable database host fails the request (a 503 page) in seconds, not minutes.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = envint(
        "DATABASE_CONNECT_TIMEOUT", 3
    )
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    (BASE_DIR / "var").mkdir(exist_ok=True)
    # The coverage index carries extra columns for PostgreSQL's index-only scans; SQLite
    # (local development) builds it on its key columns alone, which is all it needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "agencies.User"

# Audit history's triggers (history/models.py) are installed, updated and pruned after every
# `migrate` rather than written into each app's migrations: the tracked models keep their own
# migrations free of history, all of it lives in the history app's, and the link tables of
# many-to-many fields (which have no migrations of their own) can be tracked too. On SQLite
# (`make run`) pgtrigger installs nothing, so the demo records no history.
PGTRIGGER_MIGRATIONS = False
PGTRIGGER_INSTALL_ON_MIGRATE = True

# Django's and allauth's, reading the person's agency with them (agencies/backends.py).
AUTHENTICATION_BACKENDS = [
    "agencies.backends.ModelBackend",
    "agencies.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Length without composition rules (ASVS), and a strength estimator against the guessable.
    {"NAME": "agencies.passwords.GuessablePasswordValidator", "OPTIONS": {"min_score": 3}},
]

# Sign-in is allauth's email + password. Nobody signs up: people are invited
# (agencies/services.py) and the invitation link is what proves the address.
ACCOUNT_ADAPTER = "agencies.adapters.InvitationOnlyAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# Counted in the shared cache (CACHES below), so the limits hold across workers.
# Wrong passwords are throttled per account with a stepped backoff: 5 in 5 minutes, then 10
# in an hour, then 20 in a day (each window slides, so a guesser gets ~20 tries a day while
# a person who mistyped waits 5 minutes). A throttle refuses even the right password, so the
# owner signs in with a code emailed to them instead (ACCOUNT_LOGIN_BY_CODE_ENABLED): its
# own limits, not these. Per address only failures past what a busy office behind one NAT
# makes by mistake (one person's lock-out is 5 of them), so one person cannot lock out
# their colleagues; the address is the real client's (ALLAUTH_TRUSTED_PROXY_COUNT).
ACCOUNT_RATE_LIMITS = {
    "login_failed": os.environ.get(
        "DJANGO_LOGIN_FAILED_LIMITS", "5/5m/key,10/h/key,20/d/key,30/m/ip,300/h/ip"
    ),
    # Every sign-in attempt, right or wrong, per client address: allauth's 30 a minute would
    # turn a busy office's morning into refusals.
    "login": "120/m/ip",
    # allauth's defaults for the code flow, said here so they sit beside the rest: a code
    # asked for at most 3 times a minute per address, 20 per client address.
    "request_login_code": "20/m/ip,3/m/key",
}
# A one-time code by email as the other way in, and the way in while passwords are throttled.
# A code expires in 15 minutes and allows 3 tries (allauth's defaults).
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 15 * 60
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_FORMS = {"login": "agencies.forms.SignInForm"}
# How many proxies in front of the portal append to X-Forwarded-For: the client address the
# per-address limits count is the one the outermost trusted proxy saw. 0 (no proxy, the
# default) reads REMOTE_ADDR; the compose stack's proxy makes it 1. Wrong (too high), anyone
# could choose the address they are counted under.
ALLAUTH_TRUSTED_PROXY_COUNT = envint("DJANGO_TRUSTED_PROXY_COUNT", 0)

# Two-step sign-in: an authenticator app (TOTP) with recovery codes for a lost phone.
# Security keys (WebAuthn) are left out: they need scripts our CSP would have to allow.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "GMG Portal"
MFA_ADAPTER = "agencies.adapters.PortalMFAAdapter"
# The secretariat and superusers can change every agency's records: a stolen password alone
# must not be enough (agencies/middleware.py:RequireTwoStepMiddleware). Off only in tests
# that are not about it (tests/conftest.py).
GMG_TWO_STEP_REQUIRED_FOR_SECRETARIAT = envbool("DJANGO_TWO_STEP_REQUIRED_FOR_SECRETARIAT", True)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

EMAIL_URL = os.environ.get("EMAIL_URL", "console://")
globals().update(email_settings(EMAIL_URL))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "GMG Portal <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where people write when they cannot sign in (no account, no reset email): shown on the
# sign-in and password-reset pages. A real, read mailbox of the GMG secretariat in production.
GMG_SUPPORT_EMAIL = os.environ.get("GMG_SUPPORT_EMAIL", "gmg-secretariat@localhost")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Cookies and transport: strict by default once DEBUG is off.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The absolute limit: a session ends this long after sign-in however busy it is
# (agencies/middleware.py keeps activity from extending it).
SESSION_COOKIE_AGE = envint("DJANGO_SESSION_AGE", 60 * 60 * 12)
# The idle limit: a session unused this long ends (a shared or forgotten computer).
SESSION_IDLE_TIMEOUT = envint("DJANGO_SESSION_IDLE_MINUTES", 60) * 60
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if not DEBUG else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A deployment that sends cookies only over https is served only over https: plain http is
# redirected (behind the proxy that sets X-Forwarded-Proto). /healthz/ stays reachable over
# plain http for the container's own health check.
SECURE_SSL_REDIRECT = envbool("DJANGO_SSL_REDIRECT", SESSION_COOKIE_SECURE)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
# HSTS: sent only on https responses (SecurityMiddleware), so harmless on a plain-http stack.
# A year, subdomains included, when DEBUG is off; 0 turns it off.
SECURE_HSTS_SECONDS = envint("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("DJANGO_SECURE_HSTS_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = envbool("DJANGO_SECURE_HSTS_PRELOAD", True)
# Browser features the portal never uses, refused to every page (common/middleware.py).
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)
# Content-Security-Policy (django-csp): scripts only from the portal's own static files, no
# inline script anywhere (templates/ has none: behaviour lives in static/js/). Inline styles
# are allowed: a few templates carry style="" attributes, and the digest preview frames
# emails, whose HTML must use inline styles for mail clients.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Where the security.txt sends people who found a vulnerability (RFC 9116).
SECURITY_CONTACT = os.environ.get("GMG_SECURITY_CONTACT") or f"mailto:{GMG_SUPPORT_EMAIL}"

REDIS_URL = os.environ.get("REDIS_URL", "")
# One cache for every process: allauth keeps its sign-in rate limits (ACCOUNT_RATE_LIMITS)
# here, and a per-process cache lets each gunicorn worker count wrong passwords on its own.
# Redis when there is one; otherwise files under var/, which processes on one machine share
# and which need no set-up step (`make run`).
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's, with one Redis client per pool instead of one per operation.
            "BACKEND": "common.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "gmg",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": BASE_DIR / "var" / "cache",
            "KEY_PREFIX": "gmg",
        }
    }
# Sessions are read on every page: with Redis, from the cache first (the database keeps
# them too, so a restarted or full cache signs nobody out, and ending a person's sessions
# still finds them all: agencies.services.end_sessions). The file cache of `make run`
# would be no faster than the database, so there they stay in the database alone.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without Redis there is no worker: run tasks in-process so `make run` needs nothing else.
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
# A publish that fails (broker down) must fail fast: the outbox keeps the task for later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BEAT_SCHEDULE = {
    # Proves to /healthz/ that beat and a worker run (common/health.py).
    "common-worker-heartbeat": {
        "task": "common.tasks.heartbeat",
        "schedule": 60.0,
    },
    "common-drain-outbox": {
        "task": "common.tasks.drain_outbox",
        "schedule": 60.0,
    },
    "overlaps-nightly-full-scan": {
        "task": "overlaps.tasks.full_scan",
        "schedule": crontab(hour=2, minute=30),
    },
}
# /healthz/ reports the worker as stale when its last heartbeat (every minute) is older.
HEARTBEAT_STALE_MINUTES = envint("GMG_HEARTBEAT_STALE_MINUTES", 5)
# The weekly digest of the week just ended: day (mon..sun) and hour in UTC; the sweeper
# re-sends what is still pending of the last digest due every day, one hour later.
DIGEST_DAY = os.environ.get("GMG_DIGEST_DAY", "mon")
DIGEST_HOUR = envint("GMG_DIGEST_HOUR", 6)
# Temporary SMTP failures are retried with doubling waits (seconds) up to a cap, then the
# delivery is marked failed; a delivery stuck "sending" that long is handed back to the sweeper.
DIGEST_MAX_ATTEMPTS = envint("GMG_DIGEST_MAX_ATTEMPTS", 5)
DIGEST_RETRY_BACKOFF = envint("GMG_DIGEST_RETRY_BACKOFF", 60)
DIGEST_RETRY_BACKOFF_MAX = envint("GMG_DIGEST_RETRY_BACKOFF_MAX", 3600)
DIGEST_SENDING_LEASE = envint("GMG_DIGEST_SENDING_LEASE", 900)
# How long (seconds) a digest's one-click unsubscribe link works: a forwarded or leaked old
# digest should not unsubscribe its reader for ever. 90 days covers any digest still read.
DIGEST_UNSUBSCRIBE_MAX_AGE = envint("GMG_DIGEST_UNSUBSCRIBE_MAX_AGE", 90 * 24 * 3600)
CELERY_BEAT_SCHEDULE["digests-weekly-send"] = {
    "task": "digests.tasks.send_weekly_digests",
    "schedule": crontab(day_of_week=DIGEST_DAY, hour=DIGEST_HOUR, minute=0),
}
CELERY_BEAT_SCHEDULE["digests-daily-sweep"] = {
    "task": "digests.tasks.sweep_pending",
    "schedule": crontab(hour=(DIGEST_HOUR + 1) % 24, minute=0),
}
# Milestones that passed their due date undone, reported once each to the lead and the owner.
CELERY_BEAT_SCHEDULE["initiatives-daily-overdue-milestones"] = {
    "task": "initiatives.tasks.notify_overdue_milestones",
    "schedule": crontab(hour=5, minute=30),
}
# Heads of agency who have not answered a position put to endorsement are reminded a week
# before its deadline; the daily run reminds each agency once (positions.services).
CELERY_BEAT_SCHEDULE["positions-daily-endorsement-reminders"] = {
    "task": "positions.tasks.send_endorsement_reminders",
    "schedule": crontab(hour=envint("GMG_POSITION_REMINDER_HOUR", 7), minute=15),
}
# What a saved activity needs from the apps above the register, published through the
# outbox (common/outbox.py) so that the register does not import them.
ACTIVITY_CHANGED_TASKS = ["overlaps.tasks.rescore_activity"]
# The same for activities saved together (an import): each task is called once with the
# list of their ids, so that the set is checked in one pass.
ACTIVITIES_CHANGED_IN_BULK_TASKS = ["overlaps.tasks.rescore_activities"]
# What a withdrawn (deleted) or restored activity needs from them: a note on its pairs.
# Each is called with the activity's id and "withdrawn" or "restored".
ACTIVITY_WITHDRAWAL_TASKS = ["overlaps.tasks.note_withdrawal"]
# How many independent blocks the nightly overlap scan is split into for the workers.
OVERLAP_SCAN_BLOCKS = envint("GMG_OVERLAP_SCAN_BLOCKS", 8)
# The score is refitted on the secretariat's decisions (overlaps.tasks.refit_calibration)
# once this many pairs were decided since the last refit.
OVERLAP_REFIT_EVERY = envint("GMG_OVERLAP_REFIT_EVERY", 25)
# Until the portal holds this many decisions, the queue asks first about the pairs whose
# score is nearest the threshold: the decisions that teach the refit most.
OVERLAP_LEARNING_DECISIONS = envint("GMG_OVERLAP_LEARNING_DECISIONS", 200)

PAGE_SIZE = envint("GMG_PAGE_SIZE", 25)
INVITATION_DAYS = envint("GMG_INVITATION_DAYS", 14)
# How long the security log keeps an event (agencies.tasks.prune_security_log, daily).
SECURITY_LOG_DAYS = envint("GMG_SECURITY_LOG_DAYS", 365)
CELERY_BEAT_SCHEDULE["agencies-daily-prune-security-log"] = {
    "task": "agencies.tasks.prune_security_log",
    "schedule": crontab(hour=3, minute=45),
}

# Files shared in the knowledge library: stored under random names in a directory of their
# own, outside STATIC_ROOT and the static directories (whitenoise serves those to anyone),
# and handed only to people signed in, by a view that checks library/access.py.
LIBRARY_FILES_ROOT = Path(
    os.environ.get("GMG_LIBRARY_FILES_ROOT") or BASE_DIR / "var" / "library-files"
).resolve()
LIBRARY_MAX_UPLOAD_MB = envint("GMG_LIBRARY_MAX_UPLOAD_MB", 20)
for _served in (STATIC_ROOT, *STATICFILES_DIRS):
    if LIBRARY_FILES_ROOT.is_relative_to(Path(_served).resolve()):
        raise ImproperlyConfigured(
            f"GMG_LIBRARY_FILES_ROOT={str(LIBRARY_FILES_ROOT)!r} is inside {str(_served)!r}, "
            "whose files are served to anyone: choose a directory outside it."
        )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # A line per audit trigger after every migrate (and on SQLite, where none is installed).
        "pgtrigger": {"level": "WARNING"},
    },
}
