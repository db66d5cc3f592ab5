"""Site-wide guards: every URL of the URLconf, rendered for every role, with hostile text in
every field a person can type into, and every email the portal sends.

One sweep (a module fixture) builds that world, makes every request and keeps what came
back; the tests below each ask one question of it:

- every URL in the URLconf is swept, or excluded here with a reason;
- no HTML page and no HTML email part carries the typed markup unescaped;
- the typed text does reach the pages (so the previous test cannot pass on empty pages);
- each role reaches the pages it may see;
- every page of ours has one h1, a language, a skip link, and a label on every field.

A new URL fails the first test until it is added to the sweep (or to EXCLUDED, with why).
"""

import contextlib
import datetime
import io
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import pytest
import time_machine
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client, TestCase, override_settings
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from django.utils.html import escape

from activities.models import Activity
from agencies.models import Agency, Invitation, Role, SecurityEvent, User
from demo.library_seed import one_page_pdf
from digests import services as digest_services
from digests import tokens
from digests import week as weeks
from digests.models import DigestDelivery, DigestPreference, Frequency
from geo.models import Country, Region
from initiatives import services as initiative_services
from initiatives.models import JointInitiative, Milestone, Participation
from library import services as library_services
from library.models import LibraryItem
from overlaps import review as overlap_review
from overlaps.models import FlagComment, OverlapFlag, ScoreCalibration
from positions import services as position_services
from positions.models import Endorsement, Position, PositionComment, PositionEvent, PositionVersion
from priorities.models import Priority, TargetGroup, Theme

from . import sweep_capacity, sweep_governance, sweep_processes, sweep_states
from .factories import (
    ActivityFactory,
    AgencyFactory,
    JointInitiativeFactory,
    UserFactory,
    refreshed,
)
from .markup import Page

# The sweep builds its own world in a module fixture (rolled back at its end); the mark
# makes pytest-django set up the test database even when this module runs alone.
pytestmark = pytest.mark.django_db

# -- what a hostile person types ---------------------------------------------------------

# Closes a textarea or a title, opens a script, breaks out of double- and single-quoted
# attributes, and brings template syntax along.
HOSTILE = (
    "</textarea></title><script>alert(1)</script>"
    "\"><img src=x onerror=alert(1)>' onfocus='alert(1)' {{ 7*7 }} {% now 'Y' %}"
)
# For fields of 60 characters (references, identifiers).
MEDIUM = "\"><img src=x onerror=alert(1)><script>alert(1)</script>'"
# For the shortest free-text field: an agency's acronym (20 characters).
SHORT = "<svg/onload=alert()>"

# A link a form accepts (no spaces) that breaks out of an attribute.
HOSTILE_LINK = f"https://example.org/?q=\"'>{SHORT}"

# None of these may appear in an HTML page or an HTML email part: each is the start of
# markup or an attribute only the hostile text could have produced.
RAW = ["<script>alert(", "<img src=x onerror", "<svg/onload", "' onfocus='alert"]
# How the payload reads once escaped; typed text shown on a page must look like this.
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def hostile(label, text=HOSTILE):
    return f"{label} {text}"


# -- the URLconf ---------------------------------------------------------------------------

# Routes (as ResolverMatch.route spells them) the sweep does not request, each with the
# reason. Nothing is excluded today: the admin's and allauth's URLs are requested too.
EXCLUDED: dict[str, str] = {}


def every_route(patterns=None, prefix=""):
    """Every route of the URLconf, spelled as ResolverMatch.route spells it."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = str(pattern.pattern)
        # As django.urls.resolvers joins them: no "^" inside a joined route.
        joined = prefix + route.removeprefix("^") if prefix else route
        if isinstance(pattern, URLResolver):
            yield from every_route(pattern.url_patterns, joined)
        else:
            yield joined


def route_of(url):
    return resolve(urlsplit(url).path).route


# -- the requests --------------------------------------------------------------------------

ANONYMOUS = "anonymous"
STAFF = "staff"
FOCAL_POINT = "focal_point"
HEAD = "head"
SECRETARIAT = "secretariat"
OUTSIDER = "outsider"  # staff of an agency that is in none of the pairs
ADMIN = "admin"  # a superuser with access to the Django admin
ROLES = (ANONYMOUS, STAFF, FOCAL_POINT, HEAD, SECRETARIAT, OUTSIDER)
SIGNED_IN = (STAFF, FOCAL_POINT, HEAD, SECRETARIAT, OUTSIDER)
OF_THE_PAIR = (STAFF, FOCAL_POINT, HEAD, SECRETARIAT)  # may see the hostile agency's flags
WRITERS = (STAFF, FOCAL_POINT, SECRETARIAT)  # may change the hostile agency's activities


@dataclass
class Visit:
    role: str
    url: str
    method: str = "get"
    data: dict | None = None
    expect: int | None = None  # the first response's status, when this role must get it
    shows: bool = False  # the typed text must be in the final page's content
    probe_forms: bool = False  # then GET the page again with its GET forms' fields hostile
    fragment: bool = False  # a part of a page (for htmx), not a page


@dataclass
class Result:
    visit: Visit
    status: int
    final_url: str
    content_type: str
    html: str = ""

    @property
    def is_html(self):
        return self.content_type.startswith("text/html")

    @property
    def is_admin(self):
        return urlsplit(self.final_url).path.startswith("/admin/")

    def __str__(self):
        v = self.visit
        return f"{v.method.upper()} {v.url} as {v.role} -> {self.status} {self.final_url}"


@dataclass
class Sweep:
    results: list = field(default_factory=list)
    emails: list = field(default_factory=list)  # (kind, message)


def ours(w):
    """The portal's own pages and actions, with the roles that may see them."""
    a1, flag = w["a1"], w["flag_open"]
    pages = [
        ("dashboard", {}, SIGNED_IN, True),
        ("agency-list", {}, SIGNED_IN, True),
        ("agency-detail", {"slug": w["agency_a"].slug}, SIGNED_IN, True),
        ("priority-list", {}, SIGNED_IN, True),
        ("priority-detail", {"code": "b"}, SIGNED_IN, True),
        ("activities:list", {}, SIGNED_IN, True),
        ("activities:export", {"format": "csv"}, SIGNED_IN, False),
        ("search", {}, SIGNED_IN, False),
        ("coverage", {}, SIGNED_IN, False),
        ("coverage-gaps", {}, SIGNED_IN, False),
        ("coverage-csv", {}, SIGNED_IN, False),
        ("coverage-map", {}, SIGNED_IN, False),
        ("coverage-map-csv", {}, SIGNED_IN, False),
        ("coverage-charts", {}, SIGNED_IN, True),
        ("activities:create", {}, (*WRITERS, OUTSIDER), False),
        ("activities:detail", {"pk": a1.pk}, SIGNED_IN, True),
        ("activities:edit", {"pk": a1.pk}, WRITERS, True),
        ("activities:delete", {"pk": a1.pk}, WRITERS, True),
        ("initiatives:initiative-list", {}, SIGNED_IN, True),
        ("initiatives:export", {}, SIGNED_IN, False),
        ("initiatives:detail", {"pk": w["initiative"].pk}, SIGNED_IN, True),
        ("initiatives:create", {}, (STAFF, FOCAL_POINT, SECRETARIAT, OUTSIDER), False),
        ("initiatives:edit", {"pk": w["initiative"].pk}, (FOCAL_POINT, SECRETARIAT), True),
        ("initiatives:transition", {"pk": w["initiative"].pk}, (FOCAL_POINT, SECRETARIAT), True),
        ("initiatives:invite", {"pk": w["initiative"].pk}, (FOCAL_POINT, SECRETARIAT), True),
        ("initiatives:milestone-add", {"pk": w["initiative"].pk}, (FOCAL_POINT, SECRETARIAT), True),
        ("initiatives:answer", {"pk": w["invited_to"].pk}, (FOCAL_POINT,), True),
        ("initiatives:delete", {"pk": w["initiative"].pk}, (FOCAL_POINT, SECRETARIAT), True),
        ("agencies:invitation-list", {}, (FOCAL_POINT, SECRETARIAT), True),
        ("agencies:person-list", {"slug": w["agency_a"].slug}, (FOCAL_POINT, SECRETARIAT), True),
        ("agencies:person-deactivate", {"pk": w["colleague"].pk}, (FOCAL_POINT, SECRETARIAT), True),
        ("agencies:invitation-accept", {"token": w["invitation_token"]}, ROLES, True),
        ("agencies:security-log", {}, (SECRETARIAT,), True),
        ("overlaps:flag-list", {}, SIGNED_IN, True),
        ("overlaps:flag-detail", {"pk": flag.pk}, OF_THE_PAIR, True),
        ("overlaps:activity-cluster", {"pk": a1.pk}, SIGNED_IN, True),
        ("overlaps:notification-settings", {}, SIGNED_IN, False),
        ("digests:archive", {}, SIGNED_IN, False),
        ("digests:preferences", {}, SIGNED_IN, False),
        ("digests:preview", {}, SIGNED_IN, False),
        ("digests:unsubscribe", {"token": tokens.make(w[STAFF])}, ROLES, False),
        ("digests:detail", {"pk": w["staff_delivery"].pk}, (STAFF, SECRETARIAT), True),
        ("healthz", {}, ROLES, False),
        ("security-txt", {}, ROLES, False),
        *sweep_processes.pages(w),
        *sweep_capacity.pages(w),
        *sweep_governance.pages(w),
        *sweep_states.pages(w),
        ("library:list", {}, SIGNED_IN, True),
        ("library:export", {}, SIGNED_IN, False),
        ("library:create", {}, (*WRITERS, OUTSIDER), False),
        ("library:detail", {"pk": w["library_item"].pk}, SIGNED_IN, True),
        ("library:edit", {"pk": w["library_item"].pk}, WRITERS, True),
        ("library:delete", {"pk": w["library_item"].pk}, WRITERS, True),
        ("library:download", {"pk": w["library_item"].pk}, SIGNED_IN, False),
        *position_pages(w),
        # A record's history, refused to whom the record's own page refuses.
        ("history:record", {"kind": "activity", "pk": a1.pk}, SIGNED_IN, True),
        ("history:record", {"kind": "initiative", "pk": w["initiative"].pk}, SIGNED_IN, True),
        ("history:record", {"kind": "pair", "pk": flag.pk}, OF_THE_PAIR, False),
        ("history:record", {"kind": "agency", "pk": w["agency_a"].pk}, SIGNED_IN, False),
        ("history:record", {"kind": "library-item", "pk": w["library_item"].pk}, SIGNED_IN, True),
        (
            "history:record",
            {"kind": "person", "pk": w["colleague"].pk},
            (FOCAL_POINT, SECRETARIAT),
            False,
        ),
    ]
    for role in ROLES:
        yield Visit(role, reverse("favicon"), expect=302)
    for name, kwargs, seen_by, shows in pages:
        url = reverse(name, kwargs=kwargs)
        # A page only a head sees (a position to endorse) has no form to probe by GET.
        prober = next(
            (role for role in (SECRETARIAT, STAFF, ANONYMOUS, FOCAL_POINT) if role in seen_by),
            None,
        )
        for role in ROLES:
            may = role in seen_by
            yield Visit(
                role,
                url,
                expect=200 if may else None,
                shows=shows and may,
                probe_forms=role == prober,
            )

    # The security log is the secretariat's alone: everyone else signed in is refused.
    log = reverse("agencies:security-log")
    for role in (STAFF, FOCAL_POINT, HEAD, OUTSIDER):
        yield Visit(role, log, expect=403)
    yield Visit(ANONYMOUS, log, expect=302)
    yield Visit(SECRETARIAT, log + "?" + urlencode({"person": "<script>"}), expect=200, shows=True)

    # Search results show the typed titles, names and references.
    for role in ROLES:
        may = role in SIGNED_IN
        yield Visit(role, reverse("search") + "?q=survey", expect=200 if may else None, shows=may)
    yield Visit(STAFF, reverse("search") + "?q=initiative&kind=initiatives", expect=200, shows=True)

    # The initiative list filtered by every filter it has, its typed title still listed.
    filtered = {
        "q": "initiative",
        "status": JointInitiative.Status.PROPOSED,
        "priority": w["priority"].code,
        "lead": w["agency_a"].slug,
        "participant": w["agency_a"].slug,
        "region": w["region"].pk,
        "sort": "-lead",
    }
    query = "?" + urlencode(filtered)
    yield Visit(STAFF, reverse("initiatives:initiative-list") + query, expect=200, shows=True)
    yield Visit(STAFF, reverse("initiatives:export") + query, expect=200)

    # The coverage matrix by region and sub-region, and the gaps at the sub-region level.
    for by in ("region", "subregion"):
        yield Visit(SECRETARIAT, reverse("coverage") + f"?by={by}", expect=200)
        yield Visit(STAFF, reverse("coverage-csv") + f"?by={by}", expect=200)
    yield Visit(STAFF, reverse("coverage-gaps") + "?by=subregion", expect=200)
    # As the digest's gaps link opens it: some sub-regions only (a typed code is ignored).
    only = urlencode({"by": "subregion", "region": ["202", HOSTILE]}, doseq=True)
    yield Visit(HEAD, f"{reverse('coverage-gaps')}?{only}", expect=200)

    # An agency's profile with every country listed.
    profile = reverse("agency-detail", args=[w["agency_a"].slug])
    yield Visit(STAFF, profile + "?countries=all", expect=200, shows=True)

    # Pages that show the payload for one role in particular.
    yield Visit(SECRETARIAT, reverse("digests:archive"), expect=200, shows=True)
    yield Visit(SECRETARIAT, reverse("digests:preview"), expect=200, shows=True)
    yield Visit(
        SECRETARIAT,
        reverse("digests:preview") + f"?recipient={w[STAFF].pk}",
        expect=200,
        shows=True,
    )
    yield Visit(SECRETARIAT, w["failed_delivery"].get_absolute_url(), expect=200, shows=True)

    # Forms sent back with the typed text in them, and actions that end on a page.
    activity = {
        "agency": w["agency_a"].pk,
        "reference": MEDIUM,
        "title": hostile("Draft"),
        "description": hostile("Draft description"),
        "language": Activity.Language.ENGLISH,
        "kind": Activity.Kind.RESEARCH,
        "status": Activity.Status.PLANNED,
        "start_date": "2026-03-01",
        "end_date": "2026-09-30",
        "countries": ["KEN"],
        "priorities": [str(w["priority"].pk)],
        "contact_name": hostile("Contact"),
    }
    create = reverse("activities:create")
    invalid = {**activity, "end_date": "2026-01-01"}
    yield Visit(STAFF, create, "post", invalid, expect=200, shows=True)
    yield Visit(STAFF, create, "post", {**activity, "action": "check"}, expect=200, shows=True)
    yield Visit(STAFF, create, "post", activity, expect=302, shows=True)
    edit = reverse("activities:edit", args=[a1.pk])
    yield Visit(STAFF, edit, "post", {**invalid, "version": a1.version}, expect=200, shows=True)
    yield Visit(STAFF, edit, "post", {**invalid, "action": "check"}, expect=200, shows=True)

    # The entry form's similar-work panel (a fragment), for a draft like the other agency's
    # activities: it lists them, with their typed titles.
    draft = {
        **activity,
        "title": hostile("B1 labour migration survey"),
        "description": hostile("B1 household survey of remittances"),
    }
    panel_for = {
        reverse("overlaps:similar-to-draft"): (*WRITERS, OUTSIDER),
        reverse("overlaps:similar-to-draft", args=[a1.pk]): WRITERS,
    }
    for url, may in panel_for.items():
        for role in ROLES:
            expect = 200 if role in may else 302 if role == ANONYMOUS else 403
            yield Visit(
                role, url, "post", draft, expect=expect, shows=role in may, fragment=role in may
            )

    invitations = reverse("agencies:invitation-list")
    invitation = {"email": "not an address", "full_name": hostile("Invitee"), "role": "staff"}
    yield Visit(FOCAL_POINT, invitations, "post", invitation, expect=200, shows=True)
    accept = reverse("agencies:invitation-accept", args=[w["invitation_token"]])
    mismatch = {"full_name": hostile("Newcomer"), "password1": "a" * 14, "password2": "b" * 14}
    yield Visit(ANONYMOUS, accept, "post", mismatch, expect=200, shows=True)
    preferences = reverse("digests:preferences")
    yield Visit(STAFF, preferences, "post", {"frequency": HOSTILE, "language": HOSTILE}, expect=200)
    pair_news = reverse("overlaps:notification-settings")
    yield Visit(STAFF, pair_news, "post", {"pair_notifications": HOSTILE}, expect=200)
    yield Visit(
        STAFF, pair_news, "post", {"pair_notifications": "digest", "next": preferences}, expect=302
    )
    edit_initiative = reverse("initiatives:edit", args=[w["initiative"].pk])
    invalid_initiative = {
        "title": hostile("Edited initiative"),
        "description": hostile("Edited description"),
        "status": HOSTILE,
        "lead_agency": w["agency_a"].pk,
        "start_date": "2026-06-01",
        "end_date": "2026-01-01",
        "version": w["initiative"].version,
    }
    for role in ROLES:
        may = role in (FOCAL_POINT, SECRETARIAT)
        yield Visit(
            role,
            edit_initiative,
            "post",
            invalid_initiative,
            expect=200 if may else None,
            shows=may,
        )

    propose = reverse("initiatives:create")
    proposal = {
        "title": hostile("Proposed initiative"),
        "description": hostile("Proposed description"),
        "lead_agency": w["agency_a"].pk,
        "invited_agencies": [w["agency_c"].pk],
        "priorities": [str(w["priority"].pk)],
        "start_date": "2026-06-01",
        "end_date": "",
    }
    yield Visit(STAFF, propose, "post", {**proposal, "priorities": []}, expect=200, shows=True)
    yield Visit(SECRETARIAT, propose, "post", proposal, expect=302, shows=True)
    for role in (ANONYMOUS, HEAD):
        yield Visit(role, propose, "post", proposal)
    transition = reverse("initiatives:transition", args=[w["initiative"].pk])
    # Completing a proposed initiative is not a step it may take: the form comes back.
    refused = {
        "to": JointInitiative.Status.COMPLETED,
        "results": hostile("Results"),
        "note": hostile("Note"),
        "version": w["initiative"].version,
    }
    for role in ROLES:
        may = role in (FOCAL_POINT, SECRETARIAT)
        yield Visit(role, transition, "post", refused, expect=200 if may else None, shows=may)

    decide = reverse("overlaps:flag-decide", args=[flag.pk])
    comment = reverse("overlaps:flag-comment", args=[flag.pk])
    for role in ROLES:
        may_decide, may_comment = role == SECRETARIAT, role in OF_THE_PAIR
        yield Visit(
            role,
            decide,
            "post",
            {"status": HOSTILE, "note": hostile("Note")},
            expect=200 if may_decide else None,
            shows=may_decide,
        )
        yield Visit(role, comment, "post", {"text": ""}, expect=200 if may_comment else None)
    yield Visit(FOCAL_POINT, comment, "post", {"text": hostile("Reply")}, expect=302, shows=True)

    yield from position_forms(w)

    # Last: these change or remove what the pages above show.
    # Sending again issues a new link, so it uses the invitation about to be revoked.
    resend = reverse("agencies:invitation-resend", args=[w["invitation_to_revoke"].pk])
    colleague = w["colleague"].pk
    for role in ROLES:
        may = role in (FOCAL_POINT, SECRETARIAT)
        yield Visit(role, resend, "post", {}, expect=302 if may else None)
        for name, data in (("role", {"role": "head"}), ("deactivate", {}), ("reactivate", {})):
            url = reverse(f"agencies:person-{name}", args=[colleague])
            yield Visit(role, url, "post", data, expect=302 if may else None, shows=may)
    revoke = reverse("agencies:invitation-revoke", args=[w["invitation_to_revoke"].pk])
    for role in ROLES:
        may = role in (FOCAL_POINT, SECRETARIAT)
        yield Visit(role, revoke, "post", {}, expect=302 if may else None)
    spare = reverse("overlaps:flag-initiative", args=[w["flag_spare"].pk])
    yield Visit(STAFF, spare, "post", {})
    yield Visit(SECRETARIAT, spare, "post", {}, expect=302, shows=True)
    invite = reverse("initiatives:invite", args=[w["initiative"].pk])
    for role in ROLES:
        may = role in (FOCAL_POINT, SECRETARIAT)
        yield Visit(role, invite, "post", {"agency": HOSTILE}, expect=200 if may else None)
    yield Visit(FOCAL_POINT, invite, "post", {"agency": w["agency_c"].pk}, expect=302, shows=True)
    answer = reverse("initiatives:answer", args=[w["invited_to"].pk])
    for role in ROLES:
        may = role == FOCAL_POINT
        yield Visit(role, answer, "post", {"answer": HOSTILE}, expect=200 if may else None)
    yield Visit(
        FOCAL_POINT, answer, "post", {"answer": "accept", "note": hostile("Answer")}, expect=302
    )
    add_milestone = reverse("initiatives:milestone-add", args=[w["initiative"].pk])
    bad_milestone = {"title": hostile("Milestone"), "due_date": HOSTILE, "owner_agency": HOSTILE}
    for role in ROLES:
        may = role in (FOCAL_POINT, SECRETARIAT)
        yield Visit(
            role, add_milestone, "post", bad_milestone, expect=200 if may else None, shows=may
        )
    milestone_done = reverse(
        "initiatives:milestone-done", args=[w["initiative"].pk, w["milestone"].pk]
    )
    for role in (ANONYMOUS, STAFF, HEAD, OUTSIDER):
        yield Visit(role, milestone_done, "post", {})
    yield Visit(SECRETARIAT, milestone_done, "post", {}, expect=302, shows=True)
    # The step and its note then show in the initiative's history.
    started = {**refused, "to": JointInitiative.Status.ACTIVE}
    yield Visit(FOCAL_POINT, transition, "post", started, expect=302, shows=True)
    initiative_gone = reverse("initiatives:delete", args=[w["initiative_gone"].pk])
    for role in (STAFF, HEAD, OUTSIDER, ANONYMOUS):
        yield Visit(role, initiative_gone, "post", {"confirm": "on"})
    yield Visit(FOCAL_POINT, initiative_gone, "post", {"confirm": "on"}, expect=302, shows=True)
    gone = reverse("activities:delete", args=[w["a_gone"].pk])
    yield Visit(HEAD, gone, "post", {"confirm": "on"})
    yield Visit(STAFF, gone, "post", {"confirm": "on"}, expect=302, shows=True)
    # Deleted, they are the secretariat's alone: its list, their pages, and restoring them.
    withdrawn_pages = [
        reverse("recently-deleted"),
        reverse("activities:detail", args=[w["a_gone"].pk]),
        reverse("initiatives:detail", args=[w["initiative_gone"].pk]),
    ]
    for url in withdrawn_pages:
        for role in ROLES:
            may = role == SECRETARIAT
            yield Visit(role, url, expect=200 if may else None, shows=may)
    for name, key in (("activities:restore", "a_gone"), ("initiatives:restore", "initiative_gone")):
        restore = reverse(name, args=[w[key].pk])
        for role in (ANONYMOUS, STAFF, FOCAL_POINT, HEAD, OUTSIDER):
            yield Visit(role, restore, "post", {})
        yield Visit(SECRETARIAT, restore, "post", {}, expect=302, shows=True)
    yield from library_visits(w)
    unsubscribe = reverse("digests:unsubscribe", args=[tokens.make(w[STAFF])])
    yield Visit(ANONYMOUS, unsubscribe, "post", {}, expect=200)
    yield from sweep_processes.visits(w)
    # The head of A endorses, with a typed note that the position's page then shows.
    answer = reverse("positions:answer", args=[w["pos_endorse"].pk])
    endorse = {"answer": "endorse", "note": hostile("Endorsement note")}
    yield Visit(HEAD, answer, "post", endorse, expect=302, shows=True)
    yield from sweep_capacity.visits(w)
    yield from sweep_governance.visits(w)
    yield from sweep_states.visits(w)


def library_visits(w):
    """The library's forms sent back with typed text, its review and its deletion."""
    item, linked = w["library_item"], w["library_link"]
    shared = {
        "kind": LibraryItem.Kind.GOOD_PRACTICE,
        "title": hostile("Shared item"),
        "summary": hostile("Shared summary"),
        "authors": hostile("Authors"),
        "agencies": [w["agency_a"].pk],
        "year": "2025",
        "language": "en",
        "url": "",
        "priorities": [str(w["priority"].pk)],
        "countries": ["KEN"],
    }
    create = reverse("library:create")
    # Neither a link nor a file, then a program named as a PDF: the form comes back.
    yield Visit(STAFF, create, "post", shared, expect=200, shows=True)
    program = SimpleUploadedFile(f"{HOSTILE}.pdf", b"MZ\x90\x00" + b"\0" * 64)
    yield Visit(STAFF, create, "post", {**shared, "file": program}, expect=200, shows=True)
    document = SimpleUploadedFile(f"{HOSTILE}.pdf", one_page_pdf(["Shared"]))
    yield Visit(STAFF, create, "post", {**shared, "file": document}, expect=302, shows=True)
    link = {**shared, "url": HOSTILE_LINK}
    yield Visit(SECRETARIAT, create, "post", link, expect=302, shows=True)
    edit = reverse("library:edit", args=[item.pk])
    invalid = {**shared, "year": HOSTILE, "url": HOSTILE, "version": item.version}
    for role in ROLES:
        may = role in WRITERS
        yield Visit(role, edit, "post", invalid, expect=200 if may else None, shows=may)
    review = reverse("library:review", args=[item.pk])
    for role in ROLES:
        may = role == SECRETARIAT
        yield Visit(role, review, "post", {"decision": HOSTILE}, expect=302 if may else None)
        yield Visit(role, review, "post", {"decision": "mark"}, expect=302 if may else None)
    # The item and its review, then a link listed among the reviewed good practices.
    yield Visit(STAFF, item.get_absolute_url(), expect=200, shows=True)
    query = "?" + urlencode(
        {
            "q": "item",
            "kind": LibraryItem.Kind.GOOD_PRACTICE,
            "priority": w["priority"].code,
            "agency": w["agency_a"].slug,
            "country": "KEN",
            "year": "2024",
            "review": "reviewed",
            "sort": "-title",
        }
    )
    yield Visit(STAFF, reverse("library:list") + query, expect=200, shows=True)
    yield Visit(STAFF, reverse("library:export") + query, expect=200)
    gone = reverse("library:delete", args=[linked.pk])
    for role in (ANONYMOUS, HEAD, OUTSIDER):
        yield Visit(role, gone, "post", {"confirm": "on"})
    yield Visit(FOCAL_POINT, gone, "post", {"confirm": "on"}, expect=302, shows=True)
    for role in ROLES:
        expect = 302 if role == ANONYMOUS else 404
        yield Visit(role, reverse("library:download", args=[linked.pk]), expect=expect)


# -- common positions ----------------------------------------------------------------------

WRITERS_OF_A = (STAFF, FOCAL_POINT, SECRETARIAT)  # draft and revise A's positions
MOVERS_OF_A = (FOCAL_POINT, SECRETARIAT)  # move A's positions through their stages
READERS_OF_A_DRAFTS = (STAFF, FOCAL_POINT, HEAD, SECRETARIAT)


def position_pages(w):
    """(route name, kwargs, roles that may see it, whether it shows typed text)."""
    consult, endorse = w["pos_consult"].pk, w["pos_endorse"].pk
    return [
        ("positions:list", {}, SIGNED_IN, True),
        ("positions:export", {}, SIGNED_IN, False),
        ("positions:create", {}, (STAFF, FOCAL_POINT, SECRETARIAT, OUTSIDER), False),
        ("positions:detail", {"pk": w["pos_draft"].pk}, READERS_OF_A_DRAFTS, True),
        ("positions:detail", {"pk": consult}, SIGNED_IN, True),
        ("positions:detail", {"pk": endorse}, SIGNED_IN, True),
        ("positions:edit", {"pk": consult}, WRITERS_OF_A, True),
        ("positions:version", {"pk": consult, "number": 1}, SIGNED_IN, True),
        ("positions:compare", {"pk": consult}, SIGNED_IN, True),
        ("positions:stage", {"pk": consult}, MOVERS_OF_A, True),
        ("positions:deadline", {"pk": consult}, MOVERS_OF_A, True),
        (
            "positions:reply",
            {"pk": consult, "comment_pk": w["pos_comment"].pk},
            SIGNED_IN,
            True,
        ),
        ("positions:answer", {"pk": endorse}, (HEAD,), True),
        ("positions:published", {"pk": w["pos_adopted"].pk}, SIGNED_IN, True),
    ]


def position_forms(w):
    """The position forms sent back with typed text, and the list filtered every way."""
    consult = w["pos_consult"]
    filtered = {
        "q": "consulted",
        "status": Position.Status.CONSULTATION,
        "kind": Position.Kind.POSITION,
        "priority": w["priority"].code,
        "lead": w["agency_a"].slug,
        "sort": "-deadline",
    }
    query = "?" + urlencode(filtered)
    yield Visit(STAFF, reverse("positions:list") + query, expect=200, shows=True)
    yield Visit(STAFF, reverse("positions:export") + query, expect=200)
    awaiting = reverse("positions:list") + "?awaiting=on"
    yield Visit(HEAD, awaiting, expect=200, shows=True)
    compare = reverse("positions:compare", args=[consult.pk]) + "?old=1&new=2&view=inline"
    yield Visit(OUTSIDER, compare, expect=200, shows=True)

    create = reverse("positions:create")
    proposal = {
        "title": hostile("Drafted position"),
        "kind": Position.Kind.STATEMENT,
        "summary": hostile("Drafted summary"),
        "lead_agency": w["agency_a"].pk,
        "priorities": [str(w["priority"].pk)],
        "text": hostile("Drafted text"),
    }
    yield Visit(STAFF, create, "post", {**proposal, "priorities": []}, expect=200, shows=True)
    yield Visit(SECRETARIAT, create, "post", proposal, expect=302, shows=True)
    for role in (ANONYMOUS, HEAD):
        yield Visit(role, create, "post", proposal)

    edit = reverse("positions:edit", args=[consult.pk])
    # A new text without saying what changed: the form comes back with the typed text.
    revision = {
        "title": hostile("Edited position"),
        "kind": Position.Kind.POSITION,
        "summary": hostile("Edited summary"),
        "priorities": [str(w["priority"].pk)],
        "text": hostile("Edited text"),
        "change_note": "",
        "base_version": consult.current_version.number,
    }
    for role in ROLES:
        may = role in WRITERS_OF_A
        yield Visit(role, edit, "post", revision, expect=200 if may else None, shows=may)

    stage = reverse("positions:stage", args=[consult.pk])
    refused = {"to": Position.Status.WITHDRAWN, "deadline": HOSTILE, "note": hostile("Note")}
    for role in ROLES:
        may = role in MOVERS_OF_A
        yield Visit(role, stage, "post", refused, expect=200 if may else None, shows=may)
    deadline = reverse("positions:deadline", args=[consult.pk])
    for role in ROLES:
        may = role in MOVERS_OF_A
        yield Visit(role, deadline, "post", {"deadline": HOSTILE}, expect=200 if may else None)

    comment = reverse("positions:comment", args=[consult.pk])
    for role in ROLES:
        may = role in SIGNED_IN
        yield Visit(role, comment, "post", {"text": ""}, expect=200 if may else None)
    yield Visit(OUTSIDER, comment, "post", {"text": hostile("Comment")}, expect=302, shows=True)
    reply = reverse("positions:reply", args=[consult.pk, w["pos_comment"].pk])
    yield Visit(FOCAL_POINT, reply, "post", {"text": hostile("Reply")}, expect=302, shows=True)

    answer = reverse("positions:answer", args=[w["pos_endorse"].pk])
    bad = {"answer": HOSTILE, "note": hostile("Answer note")}
    for role in ROLES:
        may = role == HEAD
        yield Visit(role, answer, "post", bad, expect=200 if may else None, shows=may)


def position_world(w, agency_a, agency_b, priority):
    """A's draft, A's position in consultation (two versions, a thread), B's in endorsement
    (B endorsed, A's head still to answer), and an adopted one; every typed field hostile."""
    staff, secretariat = w[STAFF], w[SECRETARIAT]
    focal_b = User.objects.get(email="focal@b.example")

    def position(label, lead, by, **fields):
        return position_services.position_create(
            title=hostile(label),
            summary=hostile(f"{label} summary"),
            lead_agency=lead,
            priorities=[priority],
            text=hostile(f"{label} text") + "\n\n" + hostile("Second paragraph"),
            by=by,
            **fields,
        )

    def step(made, to, by, days=30, **fields):
        deadline = timezone.localdate() + datetime.timedelta(days=days)
        return position_services.position_transition(
            made, to=to, by=by, deadline=deadline, note=hostile("Stage note"), **fields
        )

    w["pos_draft"] = position("Position draft", agency_a, staff)
    consult = step(position("Position consulted", agency_a, staff), "consultation", secretariat)
    w["pos_comment"] = position_services.comment_add(consult, by=focal_b, text=hostile("Comment"))
    position_services.comment_add(
        consult, by=w[FOCAL_POINT], text=hostile("Reply"), parent=w["pos_comment"]
    )
    w["pos_consult"] = position_services.position_update(
        consult,
        by=staff,
        base_version=1,
        text=hostile("Position consulted, version 2"),
        change_note=hostile("What changed"),
    )
    endorse = step(position("Position to endorse", agency_b, focal_b), "consultation", focal_b)
    w["pos_endorse"] = step(endorse, "endorsement", secretariat)
    position_services.endorsement_answer(
        w["pos_endorse"].endorsements.get(agency=agency_b),
        endorse=True,
        by=None,
        note=hostile("B endorses"),
    )
    adopted = step(position("Position adopted", agency_a, staff), "consultation", secretariat)
    adopted = step(adopted, "endorsement", secretariat)
    for endorsement in adopted.endorsements.all():
        position_services.endorsement_answer(
            endorsement, endorse=endorsement.agency_id != agency_b.pk, by=None, note=hostile("N")
        )
    w["pos_adopted"] = step(adopted, "adopted", secretariat)
    return {
        Position: w["pos_consult"],
        PositionVersion: w["pos_consult"].current_version,
        PositionComment: w["pos_comment"],
        Endorsement: w["pos_endorse"].endorsements.get(agency=agency_b),
        PositionEvent: w["pos_consult"].events.first(),
    }


def accounts(w):
    """allauth's pages, as a visitor and as someone signed in."""
    staff = w[STAFF]
    urls = [
        reverse(name)
        for name in (
            "account_login",
            "account_logout",
            "account_inactive",
            "account_signup",
            "account_reauthenticate",
            "account_request_reauthentication_code",
            "account_confirm_reauthentication_code",
            "account_email",
            "account_email_verification_sent",
            "account_change_password",
            "account_set_password",
            "account_reset_password",
            "account_confirm_login_code",
            "account_reset_password_from_key_done",
            "account_reset_password_done",
            "account_request_login_code",
            "mfa_index",
            "mfa_authenticate",
            "mfa_reauthenticate",
            "mfa_activate_totp",
            "mfa_deactivate_totp",
            "mfa_view_recovery_codes",
            "mfa_generate_recovery_codes",
            "mfa_download_recovery_codes",
        )
    ]
    urls.append(reverse("account_confirm_email", args=[w["confirmation_key"]]))
    urls.append(w["password_reset_link"])
    for url in urls:
        for role in (ANONYMOUS, STAFF):
            yield Visit(role, url)
    # Someone with an authenticator app: its overview, codes and the page to turn it off.
    for name in ("mfa_index", "mfa_view_recovery_codes", "mfa_deactivate_totp"):
        yield Visit(SECRETARIAT, reverse(name))
    yield Visit(
        ANONYMOUS, reverse("account_request_login_code"), "post", {"email": HOSTILE}, expect=200
    )
    yield Visit(
        ANONYMOUS,
        reverse("account_login"),
        "post",
        {"login": staff.email, "password": HOSTILE},
        expect=200,
    )
    yield Visit(STAFF, reverse("account_logout"), "post", {})


def django_admin(w):
    """Every page of every model registered in the admin, as a superuser."""
    urls = [
        reverse("admin:index"),
        reverse("admin:login"),
        reverse("admin:password_change"),
        reverse("admin:password_change_done"),
        reverse("admin:jsi18n"),
        reverse("admin:autocomplete")
        + "?"
        + urlencode(
            {
                "app_label": "activities",
                "model_name": "activity",
                "field_name": "initiative",
                "term": "Joint",
            }
        ),
        reverse(
            "admin:view_on_site",
            args=[ContentType.objects.get_for_model(Activity).pk, w["a1"].pk],
        ),
        reverse("admin:auth_user_password_change", args=[w[STAFF].pk]),
        reverse("admin:index") + "no-such-page/",
    ]
    labels = sorted({model._meta.app_label for model in admin.site._registry})
    urls += [reverse("admin:app_list", kwargs={"app_label": label}) for label in labels]
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        instance = w["admin_objects"].get(model) or model._default_manager.order_by("pk").first()
        assert instance is not None, f"nothing to show in the admin for {model.__name__}"
        changelist = reverse(f"{info}_changelist")
        urls += [changelist, changelist + "?q=alert", reverse(f"{info}_add")]
        urls += [reverse(f"{info}_{view}", args=[instance.pk]) for view in ("change", "history")]
        urls += [reverse(f"{info}_delete", args=[instance.pk]), f"{changelist}{instance.pk}/"]
    for url in urls:
        yield Visit(ADMIN, url)
    yield Visit(ANONYMOUS, reverse("admin:login"))
    yield Visit(ADMIN, reverse("admin:logout"), "post", {})


# -- the world ------------------------------------------------------------------------------


@contextlib.contextmanager
def world_rolled_back(django_db_blocker, files):
    """``build_world()`` for a module-scoped fixture: fast password hashing, the library's
    files under ``files``, and everything rolled back when the block ends."""
    from overlaps import engine

    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            LIBRARY_FILES_ROOT=files,
        ),
        transaction.atomic(),
    ):
        engine.invalidate_cache()
        yield build_world()
        transaction.set_rollback(True)


def build_world():
    w = {}
    priority = Priority.objects.get(code="b")
    priority.short_title = hostile("P")
    priority.text = hostile("Terms of Reference")
    priority.save()
    kenya = Country.objects.get(pk="KEN")
    kenya.name = kenya.name_fr = kenya.name_es = hostile("Kenya", MEDIUM)
    kenya.save()
    region = Region.objects.filter(countries=kenya).order_by("level", "code").last()
    region.name = hostile("Region", MEDIUM)
    region.save()
    group = TargetGroup.objects.create(slug="hostile-group", name=hostile("G"))
    theme = Theme.objects.create(slug="hostile-theme", name=hostile("T"))

    def agency(slug, acronym):
        return AgencyFactory(
            acronym=acronym,
            slug=slug,
            name=hostile("Agency"),
            notes=hostile("Notes"),
            iati_identifier=MEDIUM,
            website=f"https://{slug}.example/?q={MEDIUM}",
        )

    agency_a = agency("hostile-a", SHORT)
    agency_b = agency("hostile-b", "B" + SHORT[:19])
    outsiders = AgencyFactory(slug="elsewhere", acronym="ELSE")
    people = {
        STAFF: (agency_a, Role.STAFF),
        FOCAL_POINT: (agency_a, Role.FOCAL_POINT),
        HEAD: (agency_a, Role.HEAD),
        SECRETARIAT: (None, Role.SECRETARIAT),
        OUTSIDER: (outsiders, Role.STAFF),
    }
    for role, (where, what) in people.items():
        w[role] = UserFactory(
            email=f"{role}@sweep.example", full_name=hostile(role), agency=where, role=what
        )
    UserFactory(
        email="focal@b.example", full_name=hostile("B"), agency=agency_b, role=Role.FOCAL_POINT
    )
    w["colleague"] = UserFactory(
        email="colleague@sweep.example", full_name=hostile("Colleague"), agency=agency_a
    )
    w[ADMIN] = UserFactory(
        email="admin@sweep.example",
        full_name=hostile("Admin"),
        agency=None,
        role=Role.SECRETARIAT,
        is_staff=True,
        is_superuser=True,
    )
    # Two-step sign-in is required of both (the sweep runs with the rule on): they have it.
    for person in (w[SECRETARIAT], w[ADMIN]):
        TOTP.activate(person, generate_totp_secret())
        RecoveryCodes.activate(person)

    initiative = JointInitiativeFactory(
        title=hostile("Initiative"),
        description=hostile("Initiative description"),
        lead_agency=agency_a,
        priorities=[priority],
        start_date=timezone.now().date() + datetime.timedelta(days=10),
    )
    initiative.participating_agencies.set([agency_a, agency_b])
    w["milestone"] = Milestone.objects.create(
        initiative=initiative,
        title=hostile("Milestone"),
        due_date=datetime.date(2026, 1, 31),
        owner_agency=agency_a,
    )
    w["invited_to"] = JointInitiativeFactory(
        title=hostile("Initiative inviting A"), lead_agency=agency_b, priorities=[priority]
    )
    Participation.objects.create(initiative=w["invited_to"], agency=agency_a)
    w["agency_c"] = agency("hostile-c", "C" + SHORT[:19])
    w["initiative_gone"] = JointInitiativeFactory(
        title=hostile("Initiative to delete"), lead_agency=agency_a, priorities=[priority]
    )

    def activity(agency, label, **fields):
        made = ActivityFactory(
            agency=agency,
            reference=f"{label[:3]}{MEDIUM}",
            title=hostile(f"{label} labour migration survey"),
            description=hostile(f"{label} household survey of remittances"),
            contact_name=hostile("Contact"),
            contact_email=f"{label.lower()}@contact.example",
            priorities=[priority],
            countries=[kenya],
            **fields,
        )
        made.regions.set([region])
        refreshed(made)
        made.target_groups.set([group])
        made.themes.set([theme])
        return made

    a1 = activity(agency_a, "A1", initiative=initiative)
    a1.partners.set([agency_b])
    b1 = activity(agency_b, "B1", initiative=initiative)
    a2, b2 = activity(agency_a, "A2"), activity(agency_b, "B2")
    w["a_gone"] = activity(agency_a, "Gone")

    def flag(x, y, **fields):
        x, y = sorted((x, y), key=lambda activity: activity.pk)
        reasons = {
            "countries": ["KEN", SHORT],
            "priorities": ["b", SHORT],
            "target_groups": [group.slug, hostile("Typed group")],
            "shared_terms": ["survey", "<script>", SHORT],
            "text_similarity": 0.81,
            "overlap_days": 120,
        }
        return OverlapFlag.objects.create(
            activity_a=x, activity_b=y, score=0.9, reasons=reasons, **fields
        )

    flag_open = flag(a1, b1)
    FlagComment.objects.create(flag=flag_open, author=w[STAFF], text=hostile("Comment"))
    w["flag_decided"] = flag(
        a2,
        b2,
        status=OverlapFlag.Status.CONFIRMED,
        decision_note=hostile("Decision note"),
        decided_by=w[SECRETARIAT],
        decided_at=timezone.now(),
    )
    w["flag_spare"] = flag(a1, b2)

    # Reference rows the admin lists, with typed names where a person types them.
    Group.objects.create(name=hostile("G"))
    ScoreCalibration.objects.create(weights={"text": 1.0}, threshold=0.5, decisions=3)
    DigestPreference.objects.create(user=w[HEAD], frequency=Frequency.WEEKLY, language="en")

    # An address waiting for confirmation, for allauth's confirmation page.
    waiting = EmailAddress.objects.create(
        user=w[STAFF], email="second@sweep.example", primary=False, verified=False
    )
    w["confirmation_key"] = EmailConfirmationHMAC(waiting).key

    library_item = library_services.item_create(
        by=w[STAFF],
        kind=LibraryItem.Kind.GOOD_PRACTICE,
        title=hostile("Library item"),
        summary=hostile("Library summary"),
        authors=hostile("Authors"),
        year=2024,
        language="en",
        agencies=[agency_a, agency_b],
        priorities=[priority],
        countries=[kenya],
        themes=[theme],
        upload=ContentFile(one_page_pdf(["Sweep"]), name=f"{HOSTILE}.pdf"),
    )
    w["library_link"] = library_services.item_create(
        by=w[STAFF],
        kind=LibraryItem.Kind.PUBLICATION,
        title=hostile("Library link"),
        summary=hostile("Library link summary"),
        year=2024,
        url=HOSTILE_LINK,
        agencies=[agency_a],
        priorities=[priority],
    )
    failed = DigestDelivery.objects.create(
        recipient=w[HEAD],
        iso_year=2020,
        iso_week=10,
        status=DigestDelivery.Status.FAILED,
        subject=hostile("Subject"),
        text_body=hostile("Stored text body"),
        html_body=f"<p>{hostile('Stored HTML body')}</p>",
        error=hostile("SMTP said"),
    )
    w.update(
        priority=priority,
        region=region,
        agency_a=agency_a,
        initiative=initiative,
        a1=a1,
        flag_open=flag_open,
        failed_delivery=failed,
        library_item=library_item,
        admin_objects={
            Activity: a1,
            Agency: agency_a,
            User: w[STAFF],
            OverlapFlag: flag_open,
            JointInitiative: initiative,
            Milestone: w["milestone"],
            Participation: w["invited_to"].participations.get(),
            Priority: priority,
            TargetGroup: group,
            Theme: theme,
            Country: kenya,
            Region: region,
            DigestDelivery: failed,
            LibraryItem: library_item,
            EmailAddress: waiting,
        },
    )
    sweep_processes.build(w)
    w["admin_objects"].update(position_world(w, agency_a, agency_b, priority))
    sweep_capacity.build(w)
    sweep_governance.build(w)
    sweep_states.build(w)
    # A failed sign-in as whoever types a hostile (quoted, so valid) address: the security
    # log shows what was typed.
    Client().post(
        reverse("account_login"),
        {"login": '"<script>alert(1)</script>"@sweep.example', "password": "wrong"},
    )
    w["admin_objects"][SecurityEvent] = SecurityEvent.objects.get(
        kind=SecurityEvent.Kind.SIGN_IN_FAILED
    )
    return w


def send_every_email(w, sweep):
    """The emails the portal sends, through the paths that send them; keeps their links."""
    # The digest of the week the world was built in (not over yet, which the beat would not
    # send): so that every block of it holds typed text.
    year, week = weeks.current()
    for role in (STAFF, FOCAL_POINT, HEAD, SECRETARIAT):
        digest_services.send_one(w[role], year, week)
    sweep.emails += [("digest", message) for message in mail.outbox]
    w["staff_delivery"] = DigestDelivery.objects.get(
        recipient=w[STAFF], iso_year=year, iso_week=week
    )
    del mail.outbox[:]

    for name, to_revoke in ((hostile("Invitee"), False), ("Someone", True)):
        client = Client()
        client.force_login(w[SECRETARIAT])
        email = "revoke@sweep.example" if to_revoke else "invitee@sweep.example"
        data = {"email": email, "full_name": name, "role": "staff", "agency": w["agency_a"].pk}
        with TestCase.captureOnCommitCallbacks(execute=True):
            response = client.post(reverse("agencies:invitation-list"), data)
        assert response.status_code == 302, response.content.decode()[:2000]
        (message,) = mail.outbox
        del mail.outbox[:]
        if to_revoke:
            w["invitation_to_revoke"] = Invitation.objects.get(email=email)
        else:
            sweep.emails.append(("invitation", message))
            w["invitation_token"] = re.search(r"/invitations/accept/([^/\s]+)/", message.body)[1]

    # A decision and a comment on a pair email both agencies' focal points and contacts.
    decided = w["flag_decided"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        decided = overlap_review.decide(
            decided, by=w[SECRETARIAT], status="joint", note=hostile("Decision note")
        )
    with TestCase.captureOnCommitCallbacks(execute=True):
        overlap_review.comment(decided, by=w[STAFF], text=hostile("Pair comment"))
    assert len(mail.outbox) >= 2
    sweep.emails += [("pair event", message) for message in mail.outbox]
    del mail.outbox[:]

    # A joint initiative's invitation and status change email the agencies' focal points.
    emailed = JointInitiativeFactory(
        title=hostile("Emailed initiative"),
        lead_agency=w["invited_to"].lead_agency,
        priorities=[w["priority"]],
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        invited = initiative_services.participation_invite(
            emailed, agency=w["agency_a"], by=w[SECRETARIAT]
        )
    with TestCase.captureOnCommitCallbacks(execute=True):
        initiative_services.participation_answer(
            invited, accept=True, by=w[FOCAL_POINT], note=hostile("Answer note")
        )
    with TestCase.captureOnCommitCallbacks(execute=True):
        initiative_services.initiative_transition(
            emailed, to="active", by=w[SECRETARIAT], note=hostile("Status note")
        )
    assert len(mail.outbox) >= 2
    sweep.emails += [("initiative event", message) for message in mail.outbox]
    del mail.outbox[:]

    # A milestone past its due date emails the lead's and the owner's focal points.
    Milestone.objects.create(
        initiative=emailed,
        title=hostile("Overdue milestone"),
        due_date=timezone.localdate() - datetime.timedelta(days=1),
        owner_agency=w["agency_a"],
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        initiative_services.notify_overdue_milestones()
    assert len(mail.outbox) >= 2
    sweep.emails += [("milestone overdue", message) for message in mail.outbox]
    del mail.outbox[:]
    # A position put to consultation emails the other agencies' focal points; put to
    # endorsement, the heads; the heads who have not answered are reminded before the deadline.
    emailed = position_services.position_create(
        title=hostile("Emailed position"),
        lead_agency=w["agency_c"],
        priorities=[w["priority"]],
        text=hostile("Emailed text"),
        by=w[SECRETARIAT],
    )
    soon = timezone.localdate() + datetime.timedelta(days=5)
    for to in (Position.Status.CONSULTATION, Position.Status.ENDORSEMENT):
        with TestCase.captureOnCommitCallbacks(execute=True):
            emailed = position_services.position_transition(
                emailed, to=to, by=w[SECRETARIAT], deadline=soon, note=hostile("Stage note")
            )
    assert {kind for message in mail.outbox for kind in message.to} >= {
        w[FOCAL_POINT].email,
        w[HEAD].email,
    }
    sweep.emails += [("position event", message) for message in mail.outbox]
    del mail.outbox[:]
    # Two days on, the deadline is within a week and the heads were asked on an earlier day.
    later = timezone.localdate() + datetime.timedelta(days=2)
    assert position_services.send_endorsement_reminders(today=later)["sent"] >= 1
    sweep.emails += [("position reminder", message) for message in mail.outbox]
    del mail.outbox[:]

    with TestCase.captureOnCommitCallbacks(execute=True):
        Client().post(reverse("account_reset_password"), {"email": w[STAFF].email})
    (message,) = mail.outbox
    del mail.outbox[:]
    sweep.emails.append(("password reset", message))
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", message.body)
    w["password_reset_link"] = link[1]

    with TestCase.captureOnCommitCallbacks(execute=True):
        Client().post(reverse("account_request_login_code"), {"email": w[STAFF].email})
    (message,) = mail.outbox
    del mail.outbox[:]
    sweep.emails.append(("sign-in code", message))


def perform(visit, users):
    client = Client()
    if visit.role != ANONYMOUS:
        client.force_login(users[visit.role])
    send = client.post if visit.method == "post" else client.get
    with TestCase.captureOnCommitCallbacks(execute=True):
        if visit.method == "post":
            response = send(visit.url, visit.data or {}, follow=True)
        else:
            response = send(visit.url, follow=True)
    chain = response.redirect_chain
    status = chain[0][1] if chain else response.status_code
    final = chain[-1][0] if chain else visit.url
    content_type = response.get("Content-Type", "")
    html = response.content.decode() if content_type.startswith("text/html") else ""
    return Result(visit, status, final, content_type, html)


def probe(result):
    """The same page with every field of its GET forms filled with the payload."""
    page = Page(result.html)
    names = {
        element.attrs["name"]
        for element in page.elements
        if element.tag in ("input", "select", "textarea")
        and element.attrs.get("name")
        and any(
            form.tag == "form" and form.attrs.get("method", "get").lower() == "get"
            for form in element.ancestors
        )
    }
    if not names:
        return None
    query = urlencode(dict.fromkeys(sorted(names), HOSTILE))
    return Visit(result.visit.role, f"{urlsplit(result.final_url).path}?{query}")


@pytest.fixture(scope="module")
def sweep(django_db_setup, django_db_blocker, tmp_path_factory):
    """Build the world, make every request, keep the answers; then roll everything back."""
    from overlaps import engine

    done = Sweep()
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            LIBRARY_FILES_ROOT=tmp_path_factory.mktemp("library-files"),
            GMG_TWO_STEP_REQUIRED_FOR_SECRETARIAT=True,
        ),
        transaction.atomic(),
    ):
        engine.invalidate_cache()
        del mail.outbox[:]
        w = build_world()
        send_every_email(w, done)
        visits = [*ours(w), *accounts(w), *django_admin(w)]
        for visit in visits:
            result = perform(visit, w)
            done.results.append(result)
            if visit.probe_forms and result.is_html:
                probed = probe(result)
                if probed is not None:
                    done.results.append(perform(probed, w))
        transaction.set_rollback(True)
        engine.invalidate_cache()
        del mail.outbox[:]
    return done


# -- the questions ---------------------------------------------------------------------------


def test_every_url_is_swept_or_excluded(sweep):
    routes = set(every_route())
    swept = {route_of(result.visit.url) for result in sweep.results}
    assert not set(EXCLUDED) - routes, "EXCLUDED names URLs that no longer exist"
    missing = routes - swept - set(EXCLUDED)
    assert not missing, f"add these URLs to the sweep, or to EXCLUDED with a reason: {missing}"


def hostile_markup(html):
    """What in this HTML only unescaped typed text could have produced."""
    found = [marker for marker in RAW if marker in html]
    page = Page(html)
    for element in page.elements:
        handlers = [name for name in element.attrs if name.startswith("on")]
        if handlers:
            found.append(f"<{element.tag} {' '.join(handlers)}>")
        if element.tag == "script" and "alert(" in element.text:
            found.append("<script>alert(")
        if element.tag == "img" and element.attrs.get("src") == "x":
            found.append("<img src=x>")
    return found


def test_no_page_carries_typed_markup_unescaped(sweep):
    problems = [
        f"{result}: {found}"
        for result in sweep.results
        if result.is_html and (found := hostile_markup(result.html))
    ]
    assert not problems, "\n".join(problems)


def shows_typed_text(html, fragment=False):
    """The payload is in the page's content, read as text (escaped in the HTML source).

    The header is left out: it shows the signed-in person's own (hostile) name everywhere.
    A fragment has no header: all of it is content.
    """
    typed = "<script>alert(1)</script>"
    page = Page(html)
    if fragment:
        return any(typed in element.text for element in page.elements)
    in_text = any(typed in main.text for main in page.all("main"))
    in_values = any(
        typed in value
        for element in page.elements
        if element.inside("main")
        for value in element.attrs.values()
    )
    return in_text or in_values


def test_typed_text_reaches_the_pages(sweep):
    # Without this, the test above could pass on pages that show nothing typed.
    missing = [
        str(result)
        for result in sweep.results
        if result.visit.shows and not shows_typed_text(result.html, result.visit.fragment)
    ]
    assert not missing, "\n".join(missing)


def test_each_role_reaches_the_pages_it_may_see(sweep):
    wrong = [
        f"{result} (expected {result.visit.expect})"
        for result in sweep.results
        if result.visit.expect is not None and result.status != result.visit.expect
    ]
    assert not wrong, "\n".join(wrong)


def test_no_html_email_part_carries_typed_markup_unescaped(sweep):
    assert {kind for kind, _message in sweep.emails} == {
        "digest",
        "invitation",
        "password reset",
        "pair event",
        "initiative event",
        "milestone overdue",
        "position event",
        "position reminder",
        "sign-in code",
    }
    assert len([kind for kind, _message in sweep.emails if kind == "digest"]) == 4
    problems = []
    # allauth's emails carry no text anyone typed: only that their markup is safe is checked.
    untyped = ("password reset", "sign-in code")
    for kind, message in sweep.emails:
        # The plain-text part is plain text: the typed text is in it as typed.
        if kind not in untyped and "<script>alert(1)</script>" not in message.body:
            problems.append(f"{kind} to {message.to}: the text part lost the typed text")
        for content, mimetype in getattr(message, "alternatives", []):
            if mimetype != "text/html":
                continue
            if found := hostile_markup(content):
                problems.append(f"{kind} to {message.to}: {found}")
            if kind not in untyped and ESCAPED not in content:
                problems.append(f"{kind} to {message.to}: the HTML part lost the typed text")
    assert not problems, "\n".join(problems)


def our_pages(sweep):
    """HTML pages drawn with the portal's templates (the Django admin has its own)."""
    return [
        result
        for result in sweep.results
        if result.is_html and not result.is_admin and not result.visit.fragment
    ]


def test_every_page_has_one_h1_a_language_and_a_skip_link(sweep):
    problems = []
    for result in our_pages(sweep):
        page = Page(result.html)
        h1 = len(page.all("h1"))
        if h1 != 1:
            problems.append(f"{result}: {h1} <h1>")
        html = page.all("html")
        if not html or not html[0].attrs.get("lang"):
            problems.append(f"{result}: no <html lang>")
        links = [e for e in page.all("a") if e.inside("body")]
        target = links[0].attrs.get("href", "") if links else ""
        if not target.startswith("#") or page.by_id(target[1:]) is None:
            problems.append(f"{result}: the first link is not a skip link to the content")
    assert not problems, "\n".join(problems)


def test_every_form_field_has_a_label(sweep):
    problems = []
    for result in our_pages(sweep):
        page = Page(result.html)
        for element in page.form_fields():
            if not page.has_label(element):
                problems.append(f"{result}: <{element.tag} name={element.attrs.get('name')}>")
    assert not problems, "\n".join(problems)


# -- one at a time ---------------------------------------------------------------------------


def test_digest_preview_escapes_the_plain_text_part(client, sam, iom):
    # Logged on a Wednesday; previewed on the Monday after, before that week's digest goes
    # out, so that the week previewed is the one it was logged in.
    with time_machine.travel(datetime.datetime(2026, 11, 25, 12, tzinfo=datetime.UTC)):
        ActivityFactory(agency=iom, title=f"Survey {HOSTILE}")
    with time_machine.travel(datetime.datetime(2026, 11, 30, 5, tzinfo=datetime.UTC), tick=False):
        client.force_login(sam)
        html = client.get(reverse("digests:preview")).content.decode()
    assert escape(f"Survey {HOSTILE}") in html
    assert not hostile_markup(html)


def test_models_and_migrations_agree(db):
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"A model change has no migration (run makemigrations):\n{out.getvalue()}")
