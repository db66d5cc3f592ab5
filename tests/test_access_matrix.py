"""Access, proven everywhere: every URL × every role × own/other agency × GET and POST.

MATRIX below says, for each URL name, how to build its address in the site-wide sweep's
world (test_sitewide.build_world: records of agency A, "hostile-a"), which methods it takes,
and what each role must get:

- OK: allowed (2xx, or 3xx to a page that is not a sign-in page);
- NO: refused (403 or 404 — both refusals; the gates give 404 to those who may not know a
  record exists and 403 to those who may see it but not change it; a signed-in person the
  Django admin sends to its sign-in page is refused too: that page answers them 403);
- LOGIN: sent to sign in (302 to allauth's login, or the admin's for the admin's pages).

Roles: anonymous, staff, focal point, head, secretariat and admin (a superuser). "own" is a
person of agency A, whose records the URLs name; "other" is the same role in an agency that
has no part in them. The secretariat, the admin and a visitor belong to no agency: they are
asked once ("any"), and their expectation holds for both.

The tests:

- test_every_url_has_an_expectation_for_every_role: walks the URLconf; a URL name missing
  from MATRIX (or EXCLUDED, with a reason) fails, saying exactly what to add;
- test_every_route_is_requested: each route pattern is reached by some entry's address;
- test_access: one request per role × scope × URL × method, its outcome as expected. Every
  request must leave the database unwritten unless it is an allowed POST: a GET never
  writes, and a refused POST changes nothing.

"Unwritten" is read from PostgreSQL's own counters for the current transaction
(pg_stat_xact_user_tables: rows inserted, updated and deleted per table), before and after
the request. That is cheaper than a checksum of every table and stricter: it also sees a
row rewritten with the same values, or written and deleted again. Only django_session may
change: a request may save its session (force_login, messages, allauth's state).

The world is built once for the module and rolled back at its end; each request runs in a
savepoint rolled back after it, so an allowed POST cannot change what the next one sees.
"""

import copy
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from activities import services as activity_services
from activities.models import Activity
from agencies.models import Invitation, Role, hash_token
from digests import tokens
from digests.models import DigestDelivery
from initiatives import services as initiative_services

from . import test_sitewide as sweep
from .factories import JointInitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db

# -- outcomes and roles ------------------------------------------------------------------

OK, NO, LOGIN = "allowed", "refused", "sign-in"
OWN = (OK, NO)  # allowed on the own agency's records, refused on another's

ANONYMOUS, STAFF, FOCAL_POINT, HEAD = "anonymous", "staff", "focal_point", "head"
SECRETARIAT, ADMIN = "secretariat", "admin"
ROLES = (ANONYMOUS, STAFF, FOCAL_POINT, HEAD, SECRETARIAT, ADMIN)
OF_AN_AGENCY = (STAFF, FOCAL_POINT, HEAD)
SCOPES = ("own", "other")


def who(anonymous=LOGIN, staff=NO, focal_point=NO, head=NO, secretariat=OK, admin=OK):
    """Who gets what. A value is one outcome for both scopes, or (own, other)."""
    given = {
        ANONYMOUS: anonymous,
        STAFF: staff,
        FOCAL_POINT: focal_point,
        HEAD: head,
        SECRETARIAT: secretariat,
        ADMIN: admin,
    }
    return {
        role: dict(zip(SCOPES, value if isinstance(value, tuple) else (value, value), strict=True))
        for role, value in given.items()
    }


PUBLIC = who(anonymous=OK, staff=OK, focal_point=OK, head=OK)
SIGNED_IN = who(staff=OK, focal_point=OK, head=OK)
SECRETARIAT_ONLY = who()
# Staff and focal points of the record's agency, and the secretariat.
WRITERS = who(staff=OWN, focal_point=OWN)
# Staff and focal points record for their own agency, whichever it is.
RECORDERS = who(staff=OK, focal_point=OK)
# The focal point of the record's agency, and the secretariat.
FOCAL = who(focal_point=OWN)
# Focal points manage their own agency's people and invitations, whichever it is.
FOCAL_ANY = who(focal_point=OK)
# The Django admin: its own gate (active staff), which only the superuser passes.
DJANGO_ADMIN = who(secretariat=NO)


@dataclass(frozen=True)
class Entry:
    """One URL name, the address to ask in the world, and who may GET and POST it."""

    name: str
    kwargs: Callable | None = None  # the URL's arguments from the world, if it has any
    get: dict | None = None
    post: dict | None = None
    data: Callable = field(default=lambda w: {})
    label: str = ""  # to tell apart two entries of one name
    query: str = ""
    address: Callable | None = None  # for a URL without a name: its address in the world

    @property
    def id(self):
        return self.label or self.name

    @property
    def scoped(self):
        """Whether the URL names a record of agency A, so that own and other differ. A list
        or a form for a new record is the same to a person of any agency: asked once."""
        return self.kwargs is not None and not self.name.startswith("admin:")

    def url(self, w):
        if self.address:
            return self.address(w)
        return reverse(self.name, kwargs=self.kwargs(w) if self.kwargs else {}) + self.query


def pk(key):
    return lambda w: {"pk": w[key].pk}


CONFIRM = lambda w: {"confirm": "on"}  # noqa: E731 - a payload, named like the others

# -- the matrix ---------------------------------------------------------------------------

MATRIX = [
    # Pages about the whole portal.
    Entry("dashboard", get=SIGNED_IN),
    Entry("search", get=SIGNED_IN, query="?q=survey"),
    Entry("agency-list", get=SIGNED_IN),
    Entry("agency-detail", lambda w: {"slug": w["agency_a"].slug}, get=SIGNED_IN),
    Entry("priority-list", get=SIGNED_IN),
    Entry("priority-detail", lambda w: {"code": "b"}, get=SIGNED_IN),
    Entry("coverage", get=SIGNED_IN),
    Entry("coverage-gaps", get=SIGNED_IN),
    Entry("coverage-csv", get=SIGNED_IN),
    Entry("coverage-map", get=SIGNED_IN),
    Entry("coverage-map-csv", get=SIGNED_IN),
    Entry("coverage-charts", get=SIGNED_IN),
    Entry("healthz", get=PUBLIC),
    Entry("security-txt", get=PUBLIC),
    Entry("favicon", get=PUBLIC),
    # Signed in but not admin staff: refused, not sent round the sign-in loop again.
    Entry("admin-login", get=who(secretariat=NO)),
    # Activities.
    Entry("activities:list", get=SIGNED_IN),
    Entry("activities:export", lambda w: {"format": "csv"}, get=SIGNED_IN),
    Entry(
        "activities:create",
        get=RECORDERS,
        post=RECORDERS,
        data=lambda w: {"agency": w["agency_a"].pk, "title": "Matrix"},
    ),
    Entry("activities:detail", pk("a1"), get=SIGNED_IN),
    Entry(
        "activities:edit",
        pk("a1"),
        get=WRITERS,
        post=WRITERS,
        data=lambda w: {"title": "Matrix", "version": w["a1"].version},
    ),
    Entry("activities:delete", pk("a1"), get=WRITERS, post=WRITERS, data=CONFIRM),
    # Joint initiatives, led by A (and one led by B that invites A).
    Entry("initiatives:initiative-list", get=SIGNED_IN),
    Entry("initiatives:export", get=SIGNED_IN),
    Entry("initiatives:create", get=RECORDERS, post=RECORDERS),
    Entry("initiatives:detail", pk("initiative"), get=SIGNED_IN),
    Entry("initiatives:edit", pk("initiative"), get=FOCAL, post=FOCAL),
    Entry(
        "initiatives:transition",
        pk("initiative"),
        get=FOCAL,
        post=FOCAL,
        data=lambda w: {"to": "active", "version": w["initiative"].version},
    ),
    Entry("initiatives:invite", pk("initiative"), get=FOCAL, post=FOCAL),
    # The invited agency's focal point answers for it; the secretariat cannot.
    Entry(
        "initiatives:answer",
        pk("invited_to"),
        get=who(focal_point=OWN, secretariat=NO, admin=NO),
        post=who(focal_point=OWN, secretariat=NO, admin=NO),
        data=lambda w: {"answer": "accept"},
    ),
    Entry("initiatives:milestone-add", pk("initiative"), get=FOCAL, post=FOCAL),
    Entry(
        "initiatives:milestone-done",
        lambda w: {"pk": w["initiative"].pk, "milestone_pk": w["milestone"].pk},
        post=FOCAL,
    ),
    Entry("initiatives:delete", pk("initiative_gone"), get=FOCAL, post=FOCAL, data=CONFIRM),
    # Agencies' people and invitations.
    Entry("agencies:invitation-list", get=FOCAL_ANY, post=FOCAL_ANY),
    Entry("agencies:invitation-resend", pk("invitation"), post=FOCAL),
    Entry("agencies:invitation-revoke", pk("invitation"), post=FOCAL),
    # The link in the email is the key: no session needed.
    Entry("agencies:invitation-accept", lambda w: {"token": w["invitation_token"]}, get=PUBLIC),
    Entry("agencies:person-list", lambda w: {"slug": w["agency_a"].slug}, get=FOCAL),
    Entry("agencies:person-role", pk("colleague"), post=FOCAL, data=lambda w: {"role": "head"}),
    Entry("agencies:person-deactivate", pk("colleague"), get=FOCAL, post=FOCAL),
    Entry("agencies:person-reactivate", pk("colleague"), post=FOCAL),
    # Overlaps: A1 (agency A) and B1 flagged together.
    Entry("overlaps:flag-list", get=SIGNED_IN),
    # Only the two agencies of a pair and the secretariat see it.
    Entry("overlaps:flag-detail", pk("flag_open"), get=who(staff=OWN, focal_point=OWN, head=OWN)),
    Entry(
        "overlaps:flag-decide",
        pk("flag_open"),
        post=SECRETARIAT_ONLY,
        data=lambda w: {"status": "joint", "note": "Matrix"},
    ),
    Entry(
        "overlaps:flag-comment",
        pk("flag_open"),
        post=who(staff=OWN, focal_point=OWN, head=OWN),
        data=lambda w: {"text": "Matrix"},
    ),
    Entry("overlaps:flag-initiative", pk("flag_spare"), post=SECRETARIAT_ONLY),
    Entry("overlaps:notification-settings", get=SIGNED_IN, post=SIGNED_IN),
    Entry("overlaps:activity-cluster", pk("a1"), get=SIGNED_IN),
    Entry("overlaps:similar-to-draft", post=RECORDERS, label="overlaps:similar-to-draft-new"),
    Entry("overlaps:similar-to-draft", pk("a1"), post=WRITERS),
    # Digests.
    Entry("digests:archive", get=SIGNED_IN),
    Entry("digests:preferences", get=SIGNED_IN, post=SIGNED_IN),
    Entry("digests:preview", get=SIGNED_IN),
    # The signed token is the key (one-click unsubscribe from the email).
    Entry("digests:unsubscribe", lambda w: {"token": tokens.make(w["staff"])}, get=PUBLIC),
    # A's head's delivery: the recipient and the secretariat; one that failed, the
    # secretariat only (the recipient never received it).
    Entry("digests:detail", pk("sent_delivery"), get=who(head=OWN)),
    Entry("digests:detail", pk("failed_delivery"), get=who(), label="digests:detail-failed"),
    # The library: an item of agencies A and B, shared by A's staff.
    Entry("library:list", get=SIGNED_IN),
    Entry("library:export", get=SIGNED_IN),
    Entry("library:create", get=RECORDERS, post=RECORDERS),
    Entry("library:detail", pk("library_item"), get=SIGNED_IN),
    Entry("library:edit", pk("library_item"), get=WRITERS, post=WRITERS),
    Entry("library:delete", pk("library_item"), get=WRITERS, post=WRITERS, data=CONFIRM),
    Entry(
        "library:review",
        pk("library_item"),
        post=SECRETARIAT_ONLY,
        data=lambda w: {"decision": "mark"},
    ),
    Entry("library:download", pk("library_item"), get=SIGNED_IN),
    # Intergovernmental processes: the secretariat keeps them; agencies contribute.
    Entry("processes:process-list", get=SIGNED_IN),
    Entry("processes:process-create", get=SECRETARIAT_ONLY, post=SECRETARIAT_ONLY),
    Entry("processes:process-detail", lambda w: {"slug": w["proc"].slug}, get=SIGNED_IN),
    Entry(
        "processes:process-edit",
        lambda w: {"slug": w["proc"].slug},
        get=SECRETARIAT_ONLY,
        post=SECRETARIAT_ONLY,
    ),
    Entry(
        "processes:process-delete",
        lambda w: {"slug": w["proc"].slug},
        get=SECRETARIAT_ONLY,
        post=SECRETARIAT_ONLY,
        data=CONFIRM,
    ),
    Entry(
        "processes:event-create",
        lambda w: {"slug": w["proc"].slug},
        get=SECRETARIAT_ONLY,
        post=SECRETARIAT_ONLY,
    ),
    Entry("processes:event-detail", pk("proc_event"), get=SIGNED_IN),
    Entry("processes:event-edit", pk("proc_event"), get=SECRETARIAT_ONLY, post=SECRETARIAT_ONLY),
    Entry(
        "processes:event-delete",
        pk("proc_event"),
        get=SECRETARIAT_ONLY,
        post=SECRETARIAT_ONLY,
        data=CONFIRM,
    ),
    Entry("processes:contribution-list", get=SIGNED_IN),
    Entry("processes:contribution-export", get=SIGNED_IN),
    Entry("processes:contribution-detail", pk("proc_contribution"), get=SIGNED_IN),
    Entry("processes:contribution-create", pk("proc_event"), get=RECORDERS, post=RECORDERS),
    Entry("processes:joint-input-create", pk("proc_event"), get=RECORDERS, post=RECORDERS),
    Entry("processes:contribution-edit", pk("proc_contribution"), get=WRITERS, post=WRITERS),
    Entry(
        "processes:contribution-delete",
        pk("proc_contribution"),
        get=WRITERS,
        post=WRITERS,
        data=CONFIRM,
    ),
    # Common positions: A's draft, A's in consultation, B's put to endorsement, one adopted.
    Entry("positions:list", get=SIGNED_IN),
    Entry("positions:export", get=SIGNED_IN),
    Entry("positions:create", get=RECORDERS, post=RECORDERS),
    Entry(
        "positions:detail",
        pk("pos_draft"),
        get=who(staff=OWN, focal_point=OWN, head=OWN),
        label="positions:detail-draft",
    ),
    Entry("positions:detail", pk("pos_consult"), get=SIGNED_IN),
    Entry("positions:edit", pk("pos_consult"), get=WRITERS, post=WRITERS),
    Entry(
        "positions:version",
        lambda w: {"pk": w["pos_consult"].pk, "number": 1},
        get=SIGNED_IN,
    ),
    Entry("positions:compare", pk("pos_consult"), get=SIGNED_IN),
    Entry("positions:stage", pk("pos_consult"), get=FOCAL, post=FOCAL),
    Entry("positions:deadline", pk("pos_consult"), get=FOCAL, post=FOCAL),
    Entry(
        "positions:comment",
        pk("pos_consult"),
        post=SIGNED_IN,
        data=lambda w: {"text": "Matrix"},
    ),
    Entry(
        "positions:reply",
        lambda w: {"pk": w["pos_consult"].pk, "comment_pk": w["pos_comment"].pk},
        get=SIGNED_IN,
        post=SIGNED_IN,
        data=lambda w: {"text": "Matrix"},
    ),
    # Every member agency is asked; its head answers for it (the other agency's head for
    # theirs); the secretariat cannot answer for an agency.
    Entry(
        "positions:answer",
        pk("pos_endorse"),
        get=who(head=OK, secretariat=NO, admin=NO),
        post=who(head=OK, secretariat=NO, admin=NO),
        data=lambda w: {"answer": "endorse"},
    ),
    Entry("positions:published", pk("pos_adopted"), get=SIGNED_IN),
    # Work with states: A's engagement and follow-up; requests for support.
    Entry("states:engagement-list", get=SIGNED_IN),
    Entry("states:engagement-export", get=SIGNED_IN),
    Entry("states:engagement-create", get=RECORDERS, post=RECORDERS),
    Entry("states:engagement-detail", pk("st_engagement"), get=SIGNED_IN),
    Entry("states:engagement-edit", pk("st_engagement"), get=WRITERS, post=WRITERS),
    Entry("states:follow-up-create", pk("st_engagement"), get=WRITERS, post=WRITERS),
    Entry("states:follow-up-list", get=SIGNED_IN),
    Entry("states:follow-up-export", get=SIGNED_IN),
    Entry("states:follow-up-edit", pk("st_follow_up"), get=WRITERS, post=WRITERS),
    Entry("states:follow-up-done", pk("st_follow_up"), post=WRITERS),
    Entry("states:request-list", get=SIGNED_IN),
    Entry("states:request-export", get=SIGNED_IN),
    Entry("states:request-create", get=FOCAL_ANY, post=FOCAL_ANY),
    Entry("states:request-detail", pk("st_assigned"), get=SIGNED_IN),
    # Not yet assigned: any focal point may edit or assign it; once assigned, its details
    # are its lead agency's focal points' (and the secretariat's).
    Entry("states:request-edit", pk("st_received"), get=FOCAL_ANY, post=FOCAL_ANY),
    Entry(
        "states:request-edit",
        pk("st_assigned"),
        get=FOCAL,
        post=FOCAL,
        label="states:request-edit-assigned",
    ),
    Entry(
        "states:request-step",
        lambda w: {"pk": w["st_received"].pk, "step": "assign"},
        get=FOCAL_ANY,
        post=FOCAL_ANY,
        label="states:request-step-assign",
    ),
    Entry(
        "states:request-step",
        lambda w: {"pk": w["st_assigned"].pk, "step": "start"},
        get=FOCAL,
        post=FOCAL,
    ),
    # Capacity: A's training and transfer.
    Entry("capacity:training-list", get=SIGNED_IN),
    Entry("capacity:training-export", get=SIGNED_IN),
    Entry("capacity:training-create", get=RECORDERS, post=RECORDERS),
    Entry("capacity:training-detail", pk("cap_training"), get=SIGNED_IN),
    Entry("capacity:training-edit", pk("cap_training"), get=WRITERS, post=WRITERS),
    Entry("capacity:training-delete", pk("cap_training"), get=WRITERS, post=WRITERS, data=CONFIRM),
    Entry("capacity:transfer-list", get=SIGNED_IN),
    Entry("capacity:transfer-export", get=SIGNED_IN),
    Entry("capacity:transfer-create", get=RECORDERS, post=RECORDERS),
    Entry("capacity:transfer-detail", pk("cap_transfer"), get=SIGNED_IN),
    Entry("capacity:transfer-edit", pk("cap_transfer"), get=WRITERS, post=WRITERS),
    Entry("capacity:transfer-delete", pk("cap_transfer"), get=WRITERS, post=WRITERS, data=CONFIRM),
    # Governance: the secretariat keeps meetings and working groups.
    Entry("governance:meeting-list", get=SIGNED_IN),
    Entry("governance:meeting-export", get=SIGNED_IN),
    Entry("governance:meeting-create", get=SECRETARIAT_ONLY, post=SECRETARIAT_ONLY),
    Entry("governance:meeting-detail", pk("gov_meeting"), get=SIGNED_IN),
    Entry(
        "governance:meeting-edit", pk("gov_meeting"), get=SECRETARIAT_ONLY, post=SECRETARIAT_ONLY
    ),
    Entry(
        "governance:meeting-delete",
        pk("gov_meeting"),
        get=SECRETARIAT_ONLY,
        post=SECRETARIAT_ONLY,
        data=CONFIRM,
    ),
    Entry(
        "governance:agenda-item-create",
        pk("gov_meeting"),
        get=SECRETARIAT_ONLY,
        post=SECRETARIAT_ONLY,
    ),
    Entry(
        "governance:agenda-item-edit", pk("gov_item"), get=SECRETARIAT_ONLY, post=SECRETARIAT_ONLY
    ),
    Entry(
        "governance:action-point-create",
        pk("gov_meeting"),
        get=SECRETARIAT_ONLY,
        post=SECRETARIAT_ONLY,
    ),
    Entry("governance:action-point-list", get=SIGNED_IN),
    Entry("governance:action-point-export", get=SIGNED_IN),
    Entry("governance:action-point-detail", pk("gov_point"), get=SIGNED_IN),
    Entry(
        "governance:action-point-edit",
        pk("gov_point"),
        get=SECRETARIAT_ONLY,
        post=SECRETARIAT_ONLY,
    ),
    # The owner agency's focal point moves its action point on.
    Entry("governance:action-point-status", pk("gov_point"), get=FOCAL, post=FOCAL),
    Entry("governance:chair-history", get=SIGNED_IN),
    Entry("governance:working-group-list", get=SIGNED_IN),
    Entry("governance:working-group-create", get=SECRETARIAT_ONLY, post=SECRETARIAT_ONLY),
    Entry(
        "governance:working-group-detail",
        lambda w: {"slug": w["gov_group"].slug},
        get=SIGNED_IN,
    ),
    Entry(
        "governance:working-group-edit",
        lambda w: {"slug": w["gov_group"].slug},
        get=SECRETARIAT_ONLY,
        post=SECRETARIAT_ONLY,
    ),
    Entry("governance:calendar-settings", get=SIGNED_IN, post=SIGNED_IN),
    # The private address is the key.
    Entry("governance:calendar-feed", lambda w: {"token": w["gov_token"]}, get=PUBLIC),
    # allauth's pages, asked by GET (their forms are allauth's, tested there).
    Entry("account_login", get=PUBLIC),
    Entry("account_logout", get=who(staff=OK, focal_point=OK, head=OK)),
    Entry("account_inactive", get=PUBLIC),
    Entry("account_signup", get=PUBLIC),
    Entry("account_reauthenticate", get=SIGNED_IN),
    Entry("account_request_reauthentication_code", get=SIGNED_IN),
    Entry("account_confirm_reauthentication_code", get=SIGNED_IN),
    Entry("account_email", get=SIGNED_IN),
    Entry("account_email_verification_sent", get=PUBLIC),
    Entry("account_change_password", get=SIGNED_IN),
    Entry("account_set_password", get=SIGNED_IN),
    Entry("account_reset_password", get=PUBLIC),
    # Without a sign-in by code under way, back to the sign-in page.
    # A visitor with no code pending is sent to ask for one.
    Entry("account_confirm_login_code", get=PUBLIC),
    Entry("account_confirm_email", lambda w: {"key": w["confirmation_key"]}, get=PUBLIC),
    Entry("account_reset_password_from_key_done", get=PUBLIC),
    Entry(
        "account_reset_password_from_key",
        lambda w: {"uidb36": w["reset_uid"], "key": w["reset_key"]},
        get=PUBLIC,
    ),
    Entry("account_reset_password_done", get=PUBLIC),
    Entry("account_request_login_code", get=PUBLIC),
    # Two-step sign-in (allauth.mfa): each person's own authenticator, no record of anyone's.
    Entry("mfa_index", get=SIGNED_IN),
    Entry("mfa_activate_totp", get=SIGNED_IN),
    # Only someone with an authenticator app (here the secretariat and the admin) has one to
    # turn off or codes to see: 404 for the others.
    Entry("mfa_deactivate_totp", get=who()),
    Entry("mfa_authenticate", get=SIGNED_IN),
    Entry("mfa_reauthenticate", get=SIGNED_IN),
    Entry("mfa_view_recovery_codes", get=who()),
    Entry("mfa_download_recovery_codes", get=who()),
    Entry("mfa_generate_recovery_codes", get=SIGNED_IN),
]


# The models the admin adds records of: reference data and accounts. Everything else is
# made through the portal's forms and services (which keep history and send the emails).
ADDED_IN_THE_ADMIN = {
    "auth.group",
    "account.emailaddress",
    "geo.country",
    "geo.region",
    "agencies.agency",
    "agencies.user",
    "priorities.priority",
    "priorities.targetgroup",
    "priorities.theme",
    "digests.digestpreference",
}
NEVER_DELETED = {"positions.positionversion"}
NOBODY = who(secretariat=NO, admin=NO)


def django_admin_entries():
    """The Django admin's every URL: one gate (active staff) in front of all of them."""
    entries = [
        Entry("admin:index", get=DJANGO_ADMIN),
        # The same address as admin-login above, which is listed first and so answers it.
        Entry("admin:login", get=who(secretariat=NO)),
        Entry("admin:password_change", get=DJANGO_ADMIN),
        Entry("admin:password_change_done", get=DJANGO_ADMIN),
        Entry("admin:jsi18n", get=DJANGO_ADMIN),
        Entry(
            "admin:autocomplete",
            get=DJANGO_ADMIN,
            query="?app_label=activities&model_name=activity&field_name=initiative&term=J",
        ),
        Entry(
            "admin:view_on_site",
            lambda w: {
                "content_type_id": ContentType.objects.get_for_model(Activity).pk,
                "object_id": w["a1"].pk,
            },
            get=DJANGO_ADMIN,
        ),
        Entry(
            "admin:auth_user_password_change",
            lambda w: {"id": w["staff"].pk},
            get=DJANGO_ADMIN,
        ),
        # Only POST signs out (a GET is 405). The admin sends those it does not admit to its
        # index, which refuses them, without signing them out.
        Entry("admin:logout", post=PUBLIC),
    ]
    labels = sorted({model._meta.app_label for model in admin.site._registry})
    for label in labels:
        entries.append(
            Entry(
                "admin:app_list",
                lambda w, label=label: {"app_label": label},
                get=DJANGO_ADMIN,
                label=f"admin:app_list-{label}",
            )
        )
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"

        def instance(w, model=model):
            found = w["admin_objects"].get(model) or model._default_manager.order_by("pk").first()
            return {"object_id": found.pk}

        label = model._meta.label_lower
        # Records kept through the portal's services are read-only in the admin: nobody
        # adds one there, and a position's versions are never deleted.
        adds = DJANGO_ADMIN if label in ADDED_IN_THE_ADMIN else NOBODY
        deletes = NOBODY if label in NEVER_DELETED else DJANGO_ADMIN
        old_style = f"<admin/{model._meta.app_label}/{model._meta.model_name}/<path:object_id>/>"
        entries += [
            # An address without "change/": sent on to the one with it.
            Entry(
                old_style,
                get=DJANGO_ADMIN,
                address=lambda w, info=info, instance=instance: reverse(
                    f"{info}_change", kwargs=instance(w)
                ).removesuffix("change/"),
                label=f"{info}_old_style",
            ),
            Entry(f"{info}_changelist", get=DJANGO_ADMIN),
            Entry(f"{info}_add", get=adds),
            Entry(f"{info}_change", instance, get=DJANGO_ADMIN),
            Entry(f"{info}_history", instance, get=DJANGO_ADMIN),
            Entry(f"{info}_delete", instance, get=deletes),
        ]
    # The admin's catch-all: an address without its final slash, sent to the one with it.
    entries.append(
        Entry(
            "<admin/(?P<url>.*)$>",
            get=DJANGO_ADMIN,
            label="admin:catch-all",
            address=lambda w: reverse("admin:activities_activity_change", args=[w["a1"].pk])[:-1],
        ),
    )
    return entries


# URL names the matrix does not ask, each with the reason.
EXCLUDED: dict[str, str] = {}


def history(kind, key, get):
    """A record's history page: open to exactly those who may read the record."""
    return Entry(
        "history:record",
        lambda w: {"kind": kind, "pk": w[key].pk},
        get=get,
        label=f"history:record-{kind}",
    )


HISTORY = [
    history("activity", "a1", SIGNED_IN),
    history("initiative", "initiative", SIGNED_IN),
    history("pair", "flag_open", who(staff=OWN, focal_point=OWN, head=OWN)),
    history("agency", "agency_a", SIGNED_IN),
    history("person", "colleague", FOCAL),
    history("position", "pos_consult", SIGNED_IN),
    history("process", "proc", SIGNED_IN),
    history("process-event", "proc_event", SIGNED_IN),
    history("contribution", "proc_contribution", SIGNED_IN),
    history("engagement", "st_engagement", SIGNED_IN),
    history("request", "st_assigned", SIGNED_IN),
    history("training", "cap_training", SIGNED_IN),
    history("transfer", "cap_transfer", SIGNED_IN),
    history("meeting", "gov_meeting", SIGNED_IN),
    history("working-group", "gov_group", SIGNED_IN),
    history("library-item", "library_item", SIGNED_IN),
]

DELETED = [
    # What was deleted in the last 30 days, and bringing it back: the secretariat's alone.
    Entry("recently-deleted", get=SECRETARIAT_ONLY),
    Entry("activities:restore", pk("a_gone"), post=SECRETARIAT_ONLY),
    Entry("initiatives:restore", pk("initiative_withdrawn"), post=SECRETARIAT_ONLY),
]

SECURITY = [
    # The security log: the secretariat's (and a superuser's, who is the secretariat too).
    Entry("agencies:security-log", get=SECRETARIAT_ONLY),
]

ENTRIES = [*MATRIX, *HISTORY, *DELETED, *SECURITY, *django_admin_entries()]


# -- the URLconf --------------------------------------------------------------------------


def every_route_and_name(patterns=None, prefix="", namespace=""):
    """(route as ResolverMatch.route spells it, URL name) for every URL of the URLconf."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = str(pattern.pattern)
        joined = prefix + route.removeprefix("^") if prefix else route
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            spaced = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            yield from every_route_and_name(pattern.url_patterns, joined, spaced)
        else:
            # Only the admin's redirects have no name: the route stands for it.
            name = pattern.name or f"<{joined}>"
            yield joined, f"{namespace}:{name}" if namespace and pattern.name else name


def test_every_url_has_an_expectation_for_every_role():
    routes = list(every_route_and_name())
    names = {name for _route, name in routes}
    table = {entry.name for entry in ENTRIES}
    assert sweep.every_route is not None  # the same walk as the sweep's
    assert not set(EXCLUDED) - names, "EXCLUDED names URLs that no longer exist"
    stale = table - names
    assert not stale, f"MATRIX names URLs that no longer exist: {sorted(stale)}"
    missing = sorted((name, route) for route, name in routes if name not in table)
    missing = [(name, route) for name, route in missing if name not in EXCLUDED]
    assert not missing, "Add to MATRIX in tests/test_access_matrix.py (or to EXCLUDED, why):\n" + (
        "\n".join(
            f'    Entry("{name}", <kwargs from the world>, get=<who(...)>, post=<who(...) or '
            f"None>),  # {route}"
            for name, route in missing
        )
    )
    incomplete = [
        f"{entry.id} {method}: {role} {scope}"
        for entry in ENTRIES
        for method, spec in (("GET", entry.get), ("POST", entry.post))
        if spec is not None
        for role in ROLES
        for scope in SCOPES
        if spec.get(role, {}).get(scope) not in (OK, NO, LOGIN)
    ]
    assert not incomplete, "no expectation for:\n" + "\n".join(incomplete)
    assert all(entry.get or entry.post for entry in ENTRIES), "an entry with no method"
    # Asked once (see Entry.scoped), so the answer must not depend on the agency.
    two_faced = [
        f"{entry.id}: {role}"
        for entry in ENTRIES
        if not entry.scoped
        for spec in (entry.get, entry.post)
        if spec is not None
        for role in ROLES
        if spec[role]["own"] != spec[role]["other"]
    ]
    assert not two_faced, "own and other differ on a URL that names no record:\n" + "\n".join(
        two_faced
    )


# -- the world ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The sweep's world, plus the other agency's focal point and head; rolled back after."""
    from overlaps import engine

    files = tmp_path_factory.mktemp("library-files")
    with sweep.world_rolled_back(django_db_blocker, files) as w:
        elsewhere = w[sweep.OUTSIDER].agency
        people = {
            ("own", STAFF): w[sweep.STAFF],
            ("own", FOCAL_POINT): w[sweep.FOCAL_POINT],
            ("own", HEAD): w[sweep.HEAD],
            ("other", STAFF): w[sweep.OUTSIDER],
            ("other", FOCAL_POINT): UserFactory(agency=elsewhere, role=Role.FOCAL_POINT),
            ("other", HEAD): UserFactory(agency=elsewhere, role=Role.HEAD),
            ("any", SECRETARIAT): w[sweep.SECRETARIAT],
            ("any", ADMIN): w[sweep.ADMIN],
        }
        token = Invitation.new_token()
        w["invitation"] = Invitation.objects.create(
            email="invitee@matrix.example",
            agency=w["agency_a"],
            role=Role.STAFF,
            token_hash=hash_token(token),
            invited_by=w[sweep.FOCAL_POINT],
            expires_at=timezone.now() + datetime.timedelta(days=7),
        )
        w["invitation_token"] = token
        w["reset_uid"] = user_pk_to_url_str(w[sweep.STAFF])
        w["reset_key"] = default_token_generator.make_token(w[sweep.STAFF])
        w["sent_delivery"] = DigestDelivery.objects.create(
            recipient=w[sweep.HEAD],
            iso_year=2020,
            iso_week=11,
            status=DigestDelivery.Status.SENT,
            subject="Sent",
            text_body="Sent",
        )
        # A step in an initiative's history, for the admin's pages of those.
        stepped = JointInitiativeFactory(lead_agency=w["agency_c"], priorities=[w["priority"]])
        initiative_services.initiative_transition(stepped, to="active", by=w[sweep.SECRETARIAT])
        w["files"] = files
        # Withdrawn ("deleted") records, for the secretariat's list and its restore buttons.
        activity_services.activity_withdraw(w["a_gone"], by=w[sweep.STAFF])
        w["initiative_withdrawn"] = JointInitiativeFactory(
            lead_agency=w["agency_a"], priorities=[w["priority"]]
        )
        initiative_services.initiative_withdraw(w["initiative_withdrawn"], by=w[sweep.FOCAL_POINT])
        # Signed in once each, for the whole module: each request's savepoint is rolled
        # back, and a session saved outside them stays.
        w["clients"] = {ANONYMOUS: Client()}
        for (scope, role), person in people.items():
            w["clients"][scope, role] = Client()
            w["clients"][scope, role].force_login(person)
        yield w
    engine.invalidate_cache()


# -- the requests -------------------------------------------------------------------------


# The suite's per-test fixtures, made module-wide here: the world keeps its files in one
# directory, and nothing here signs in with a password (so no sign-in failures are counted).
@pytest.fixture(autouse=True)
def library_files(world):
    return world["files"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    pass


# Tables a request may write to without changing the portal's data, and why.
MAY_CHANGE = {
    "django_session": "a request saves its session (sign-in, messages, allauth's state)",
}


def writes():
    """Rows inserted, updated or deleted so far in this transaction, per table."""
    with connection.cursor() as cursor:
        # The functions behind pg_stat_xact_user_tables, without the view's joins: ten times
        # quicker, and this runs twice a request.
        cursor.execute(
            """
            SELECT c.relname,
                   pg_stat_get_xact_tuples_inserted(c.oid)
                   + pg_stat_get_xact_tuples_updated(c.oid)
                   + pg_stat_get_xact_tuples_deleted(c.oid) AS n
            FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND s.nspname = current_schema()
            """
        )
        return {table: n for table, n in cursor.fetchall() if n and table not in MAY_CHANGE}


def outcome(response, role):
    status = response.status_code
    if status in (403, 404):
        return NO
    if 300 <= status < 400:
        path = urlsplit(response["Location"]).path
        if path == reverse("account_login"):
            return LOGIN
        if path == reverse("admin:login"):
            return LOGIN if role == ANONYMOUS else NO
        return OK
    if 200 <= status < 300:
        return OK
    return f"status {status}"


def of_the_django_admin(entry):
    return entry.name.startswith(("admin:", "<admin/"))


def asked(entry, role):
    """Whether this role asks this URL. Everyone asks every URL, but for one shortcut, to keep
    the module within minutes on a busy machine: the Django admin puts one gate (active staff)
    in front of every one of its URLs, and staff, focal points and heads stand before it just
    as the secretariat does (none is admin staff). So they ask its index and each model's list;
    the secretariat, the admin and a visitor ask all of them."""
    if role not in OF_AN_AGENCY or not of_the_django_admin(entry):
        return True
    return entry.name == "admin:index" or entry.name.endswith("_changelist")


def cases():
    for entry in ENTRIES:
        for method, spec in (("GET", entry.get), ("POST", entry.post)):
            if spec is None:
                continue
            for role in filter(lambda role: asked(entry, role), ROLES):
                scopes = SCOPES if role in OF_AN_AGENCY and entry.scoped else ("any",)
                for scope in scopes:
                    yield pytest.param(
                        entry, method, role, scope, id=f"{role}-{scope}-{entry.id}-{method}"
                    )


@pytest.mark.parametrize(("entry", "method", "role", "scope"), list(cases()))
def test_access(world, django_db_blocker, entry, method, role, scope):
    expected = entry.get if method == "GET" else entry.post
    expected = expected[role]["own" if scope == "any" else scope]
    with django_db_blocker.unblock(), transaction.atomic():
        url = entry.url(world)
        person = (
            ANONYMOUS
            if role == ANONYMOUS
            else ("own" if scope == "any" and role in OF_AN_AGENCY else scope, role)
        )
        client = world["clients"][person]
        # A sign-out or a new session key is rolled back below: so are the cookies.
        cookies = copy.deepcopy(client.cookies)
        before = writes()
        response = client.get(url) if method == "GET" else client.post(url, entry.data(world))
        client.cookies = cookies
        written = {
            table: n - before.get(table, 0)
            for table, n in writes().items()
            if n != before.get(table, 0)
        }
        transaction.set_rollback(True)
    got = outcome(response, role)
    assert got == expected, f"{method} {url} as {role} ({scope}): {response.status_code}"
    # The security log records what happened to a request (a 403; the sign-out allauth makes
    # when one person opens another's email confirmation link): the log doing its work, not
    # the page changing data. Each 403 is logged once.
    logged = written.pop("agencies_securityevent", 0)
    if response.status_code == 403:
        assert logged == 1, f"{url}: a 403 not written to the security log"
    if method == "GET":
        assert not written, f"GET {url} as {role} changed data: {written}"
    elif got != OK:
        assert not written, f"refused POST {url} as {role} changed data: {written}"


def test_every_route_is_requested(world, django_db_blocker):
    with django_db_blocker.unblock():
        asked = {resolve(urlsplit(entry.url(world)).path).route for entry in ENTRIES}
    routes = {route for route, _name in every_route_and_name()}
    assert not routes - asked, f"routes no entry's address reaches: {sorted(routes - asked)}"


def test_a_write_is_seen_even_when_nothing_changes(world, django_db_blocker):
    # Without this, the "no write" assertions above could pass on a counter that never moves.
    with django_db_blocker.unblock(), transaction.atomic():
        before = writes()
        Activity.objects.filter(pk=world["a1"].pk).update(title=F("title"))
        after = writes()
        transaction.set_rollback(True)
    assert after.get("activities_activity", 0) == before.get("activities_activity", 0) + 1
