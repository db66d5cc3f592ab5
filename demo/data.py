"""Demonstration people, joint initiatives and activities, loaded by `manage.py seed_demo`.

The records are plain JSON in demo/fixtures/ so that they can be read and edited without
touching the command. Countries are ISO 3166-1 alpha-3 codes, regions UN M49 codes ("001"
is the World), priorities the letters of the Terms of Reference, target groups and themes
the slugs of priorities/0002, dates YYYY-MM-DD. Every name and address is fictional; the
domain is not a real agency's, so nothing seeded can be mistaken for a real person.

A few pairs of activities by different agencies deliberately cover the same ground in
different words (their "why" says which), for the duplication checks to find.

Each joint initiative carries its story: the steps of its life (proposal with its
invitations, answers, status changes with their notes, milestones added and done), each
`days_ago` days before the seed and taken by a demo person named by the start of their
email. The command tells them through the initiative services, so that the history, the
participants and the milestones agree. Milestones are due `due_in_days` after the day of
the seed, so that some are always overdue and some due soon.
"""

import json
from datetime import date
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Made of unrelated words: one made of the portal's own ("gmg-demo-password-2026") is refused
# by agencies/passwords.py like any other guessable password.
PASSWORD = "Vetch-Quorum-Lantern-58"  # nosec B105  # the demo's, printed by seed_demo
DOMAIN = "demo.gmg-portal.org"
DATES = ("start_date", "end_date")


def _load(name):
    records = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    for record in records:
        record.pop("why", None)  # a note for whoever edits the file, not data
        for key in DATES:
            if record.get(key):
                record[key] = date.fromisoformat(record[key])
    return records


# (email, full name, role, agency acronym or None for the secretariat)
PEOPLE = [
    (f"{p['email']}@{DOMAIN}", p["full_name"], p["role"], p["agency"]) for p in _load("people")
]
INITIATIVES = _load("initiatives")
ACTIVITIES = _load("activities")
# The knowledge library's items (demo/library_seed.py shares them).
LIBRARY = _load("library")
