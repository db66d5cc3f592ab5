"""Joint trainings' and transfers' part of the site-wide sweep (test_sitewide.py): hostile
records, the pages with the roles that may see them, and the forms sent back with typed text.

Kept in a module of its own so that the sweep gains a few lines where it calls these; the
names it shares (roles, payloads, Visit) are read from it when the sweep runs.
"""

import datetime

from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency
from capacity import services
from capacity.models import Training, Transfer
from geo.models import Country


def _sweep():
    from . import test_sitewide

    return test_sitewide


def _address(host):
    """A valid address (no spaces) that breaks out of an attribute if written unescaped."""
    return f"https://{host}/?q=\"'>{_sweep().SHORT}"


def build(w):
    """A hostile training and transfer (and one of each to delete); handles go into `w`."""
    s = _sweep()
    agency_a, agency_b = w["agency_a"], Agency.objects.get(slug="hostile-b")
    today = timezone.localdate()

    def training(title):
        return services.training_create(
            lead_agency=agency_a,
            by=w[s.STAFF],
            organisers=[agency_b],
            participants=[(agency_a, 3), (agency_b, 2)],
            priorities=[w["priority"]],
            title=s.hostile(title),
            description=s.hostile(f"{title} description"),
            start_date=today + datetime.timedelta(days=20),
            online=False,
            country=Country.objects.get(pk="KEN"),
            city=s.hostile("City", s.MEDIUM),
            materials=_address("materials.example"),
        )

    def transfer(name):
        return services.transfer_create(
            by=w[s.STAFF],
            kind=Transfer.Kind.SECONDMENT,
            person_name=s.hostile(name),
            from_agency=agency_a,
            to_agency=agency_b,
            start_date=today,
            purpose=s.hostile(f"{name} purpose"),
            priorities=[w["priority"]],
        )

    w["cap_training"] = training("Training")
    w["cap_training_gone"] = training("Training to delete")
    w["cap_transfer"] = transfer("Seconded person")
    w["cap_transfer_gone"] = transfer("Person to delete")
    w["admin_objects"].update({Training: w["cap_training"], Transfer: w["cap_transfer"]})


def pages(w):
    """(URL name, kwargs, roles that may see it, whether it shows typed text)."""
    s = _sweep()
    training, transfer = w["cap_training"], w["cap_transfer"]
    recorders = (*s.WRITERS, s.OUTSIDER)
    return [
        ("capacity:training-list", {}, s.SIGNED_IN, True),
        ("capacity:training-export", {}, s.SIGNED_IN, False),
        ("capacity:training-create", {}, recorders, False),
        ("capacity:training-detail", {"pk": training.pk}, s.SIGNED_IN, True),
        ("capacity:training-edit", {"pk": training.pk}, s.WRITERS, True),
        ("capacity:training-delete", {"pk": training.pk}, s.WRITERS, True),
        ("capacity:transfer-list", {}, s.SIGNED_IN, True),
        ("capacity:transfer-export", {}, s.SIGNED_IN, False),
        ("capacity:transfer-create", {}, recorders, False),
        ("capacity:transfer-detail", {"pk": transfer.pk}, s.SIGNED_IN, True),
        ("capacity:transfer-edit", {"pk": transfer.pk}, s.WRITERS, True),
        ("capacity:transfer-delete", {"pk": transfer.pk}, s.WRITERS, True),
        ("priority-detail", {"code": "l"}, s.SIGNED_IN, True),
    ]


def visits(w):
    """The lists filtered by every filter, and the forms sent back: refused with the typed
    text shown again, then accepted; the deletions last."""
    s = _sweep()
    Visit, ROLES = s.Visit, s.ROLES
    training, transfer = w["cap_training"], w["cap_transfer"]
    agency_a = w["agency_a"]
    agency_b = Agency.objects.get(slug="hostile-b")

    trainings = {
        "q": "training",
        "agency": agency_a.slug,
        "country": "KEN",
        "online": "false",
        "status": "planned",
        "priority": w["priority"].code,
        "year": training.start_date.year,
        "sort": "-participants",
    }
    query = "?" + "&".join(f"{k}={v}" for k, v in trainings.items())
    yield Visit(s.STAFF, reverse("capacity:training-list") + query, expect=200, shows=True)
    yield Visit(s.STAFF, reverse("capacity:training-export") + query, expect=200)
    transfers = {
        "q": "person",
        "agency": agency_b.slug,
        "kind": Transfer.Kind.SECONDMENT,
        "priority": w["priority"].code,
        "year": transfer.start_date.year,
        "sort": "-from",
    }
    query = "?" + "&".join(f"{k}={v}" for k, v in transfers.items())
    yield Visit(s.STAFF, reverse("capacity:transfer-list") + query, expect=200, shows=True)
    yield Visit(s.STAFF, reverse("capacity:transfer-export") + query, expect=200)

    def each_role(url, data, may, expect=200):
        for role in ROLES:
            allowed = role in may
            yield Visit(role, url, "post", data, expect=expect if allowed else None, shows=allowed)

    recorders = (*s.WRITERS, s.OUTSIDER)
    bad_training = {
        "lead_agency": agency_a.pk,
        "title": s.hostile("New training"),
        "description": s.hostile("New description"),
        "start_date": "2031-05-10",
        "end_date": "2031-05-01",
        "online": "",
        "country": s.HOSTILE,
        "city": s.hostile("City", s.MEDIUM),
        "organisers": [s.HOSTILE],
        "materials": s.HOSTILE,
        "priorities": [s.HOSTILE],
        "participants-TOTAL_FORMS": "2",
        "participants-INITIAL_FORMS": "0",
        "participants-MIN_NUM_FORMS": "0",
        "participants-MAX_NUM_FORMS": "100",
        "participants-0-agency": s.HOSTILE,
        "participants-0-participants": s.HOSTILE,
        "participants-1-agency": agency_a.pk,
        "participants-1-participants": "2",
    }
    good_training = {
        **bad_training,
        "end_date": "",
        "online": "on",
        "country": "",
        "city": "",
        "organisers": [agency_b.pk],
        "materials": _address("new.example"),
        "priorities": [w["priority"].pk],
        "participants-0-agency": agency_b.pk,
        "participants-0-participants": "4",
    }
    create = reverse("capacity:training-create")
    yield from each_role(create, bad_training, recorders)
    yield Visit(s.STAFF, create, "post", good_training, expect=302, shows=True)
    edit = reverse("capacity:training-edit", args=[training.pk])
    yield from each_role(edit, {**bad_training, "version": training.version}, s.WRITERS)

    bad_transfer = {
        "kind": s.HOSTILE,
        "person_name": s.hostile("New person"),
        "from_agency": agency_a.pk,
        "to_agency": agency_a.pk,
        "start_date": s.HOSTILE,
        "end_date": "",
        "purpose": s.hostile("New purpose"),
        "priorities": [s.HOSTILE],
    }
    good_transfer = {
        **bad_transfer,
        "kind": Transfer.Kind.LOAN,
        "to_agency": agency_b.pk,
        "start_date": "2031-01-01",
        "priorities": [w["priority"].pk],
    }
    create = reverse("capacity:transfer-create")
    yield from each_role(create, bad_transfer, recorders)
    yield Visit(s.FOCAL_POINT, create, "post", good_transfer, expect=302, shows=True)
    edit = reverse("capacity:transfer-edit", args=[transfer.pk])
    yield from each_role(edit, {**bad_transfer, "version": transfer.version}, s.WRITERS)

    # Last: these remove what the pages above show.
    for name, record in (
        ("capacity:training-delete", w["cap_training_gone"]),
        ("capacity:transfer-delete", w["cap_transfer_gone"]),
    ):
        url = reverse(name, args=[record.pk])
        for role in (s.HEAD, s.OUTSIDER, s.ANONYMOUS):
            yield Visit(role, url, "post", {"confirm": "on"})
        yield Visit(s.STAFF, url, "post", {"confirm": "on"}, expect=302, shows=True)
