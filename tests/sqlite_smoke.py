"""Run by tests/test_sqlite_smoke.py in a fresh process: what `make run` does on SQLite.

Migrates a new SQLite database, seeds the demo, then reads every page a link can reach
without arguments, and each demo object's own page, as every role and as an anonymous
visitor. Prints one line per failure and exits non-zero if a page answers with a server
error. PostgreSQL-only SQL in a page shows up here and nowhere else in the suite.
"""

import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Extra query strings for pages whose views branch on them.
VARIANTS = {
    "/coverage/": ["?by=region", "?by=subregion", "?running_from=2020-01-01&running_to="],
    "/coverage/gaps/": ["?by=subregion"],
    "/coverage/charts/": ["?running_from=2024-01-01&running_to=2026-12-31"],
    "/search/": ["?q=migration"],
    "/activities/": ["?q=labour&sort=-start_date", "?region=002"],
    "/initiatives/": ["?q=data&region=002&sort=status"],
}


def plain_paths(patterns, prefix=""):
    """The paths of the URL patterns that take no arguments."""
    from django.urls import URLPattern, URLResolver

    for p in patterns:
        route = str(p.pattern)
        if "<" in route or route.startswith("^"):
            continue
        if isinstance(p, URLResolver):
            yield from plain_paths(p.url_patterns, prefix + route)
        elif isinstance(p, URLPattern):
            yield "/" + prefix + route


def main():
    import django

    django.setup()
    from django.apps import apps
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the in-memory email backend: nothing is sent
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0, stdout=io.StringIO())

    from agencies.models import Role, User
    from gmg_portal.urls import urlpatterns

    # The admin and the sign-in pages are Django's and allauth's own; signing out would end
    # the session the rest of the pages are read in.
    skipped = ("/admin/", "/accounts/")
    paths = [p for p in plain_paths(urlpatterns) if not p.startswith(skipped)]
    for path, queries in VARIANTS.items():
        paths += [path + q for q in queries]
    for model in apps.get_models():
        if hasattr(model, "get_absolute_url") and model._meta.app_label not in {"auth"}:
            first = model._default_manager.order_by("pk").first()
            if first is not None:
                paths.append(first.get_absolute_url())

    # Each kind of record's history page: empty on SQLite, which records none.
    from django.urls import reverse

    from history.registry import KINDS

    for kind, spec in KINDS.items():
        first = spec.model._default_manager.order_by("pk").first()
        if first is not None:
            paths.append(reverse("history:record", args=[kind, first.pk]))

    people = [None] + [
        User.objects.filter(role=role, is_active=True).order_by("pk").first()
        for role in Role.values
    ]
    failures = 0
    for person in people:
        client = Client(HTTP_HOST="127.0.0.1")
        if person is not None:
            client.force_login(person)
        for path in paths:
            response = client.get(path)
            if response.status_code >= 500:
                failures += 1
                print(f"{response.status_code} {path} as {person or 'anonymous'}")
    print(f"{len(paths)} pages × {len(people)} people, {failures} server errors")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
