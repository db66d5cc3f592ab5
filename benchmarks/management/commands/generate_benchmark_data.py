"""Fill the database with deterministic, realistic data at scale (issue "Fast at 100,000").

    python manage.py generate_benchmark_data --activities 100000 [--seed 7] [--force]

Activity texts and places come from benchmarks/corpus.py's `generate_large` (the overlap
benchmark's background data); everything else is drawn here from one random.Random(seed),
so the same seed gives the same rows and texts. Rows go in with bulk_create, stage by stage,
each stage in its own transaction. The history app's row triggers still fire for every
inserted row (one event row each), which is most of the cost of the activity stage.

Timestamps are drawn relative to a fixed date (ANCHOR), not to today, so that a seed means
the same data on any day; the columns Django stamps itself (auto_now_add) say when the run
happened.
"""

import datetime
import random
import time
from contextlib import contextmanager

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import F

from activities.models import Activity
from agencies.models import Agency, Role, User
from benchmarks import corpus
from capacity.models import Training, TrainingParticipants, Transfer
from common.history import changes_by
from digests.models import DigestDelivery
from geo.models import Country
from governance.models import ActionPoint, AgendaItem, Meeting, WorkingGroup
from initiatives.models import JointInitiative, Participation
from library.models import LibraryItem
from overlaps.models import FlagComment, OverlapFlag
from positions.models import Position, PositionVersion
from priorities.models import Priority, TargetGroup, Theme
from processes.models import Contribution, Event, Process
from states.models import Engagement, FollowUp, SupportRequest

ANCHOR = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)
DOMAIN = "bench.example"
BATCH = 2000
# corpus.FOREIGN's texts are written in these languages.
FOREIGN_LANGUAGE = {
    "trafficking_victims": "fr",
    "remittance_costs": "es",
    "child_protection": "fr",
    "statelessness": "es",
}
FIRST_NAMES = "Amina Bruno Chen Dalia Emeka Fatou Gabriel Hana Ivan Jamila Kofi Lucia Mehdi Nadia"
LAST_NAMES = "Abebe Bianchi Cruz Diallo Eriksen Farah Garcia Haddad Ito Jovanovic Kamau Lopez"
NOTES = {
    "confirmed": [
        "Both agencies fund the same shelters; agreed to merge the next phase.",
        "Same beneficiaries, same districts: the focal points will align workplans.",
    ],
    "not_related": [
        "Different target groups despite the similar wording.",
        "One is research, the other service delivery; no duplication.",
    ],
    "complementary": [
        "Policy support on one side, field delivery on the other: keep both, share results.",
        "Same country, different regions of it; the teams will exchange data.",
    ],
    "joint": [
        "Already run together under the country team's joint programme.",
        "Partners on paper and in practice.",
    ],
}
COMMENTS = [
    "Our country office confirms the dates overlap only in the second year.",
    "Could the other agency share its list of partner municipalities?",
    "We discussed this at the last working-level meeting.",
    "The budget lines are separate; the beneficiaries partly the same.",
    "Flagging to our regional office before we decide.",
]


def _running_together(a, b):
    return (a.end is None or a.end >= b.start) and (b.end is None or b.end >= a.start)


class Command(BaseCommand):
    help = "Fill the database with deterministic benchmark data (activities, people, flags…)."

    def add_arguments(self, parser):
        parser.add_argument("--activities", type=int, required=True, help="how many activities")
        parser.add_argument("--seed", type=int, default=7, help="same seed, same data")
        parser.add_argument(
            "--force",
            action="store_true",
            help="add to a database that already has activities (never a real one)",
        )
        parser.add_argument(
            "--password",
            default="",
            help="one password for every generated person (hashed once); default: unusable",
        )

    def handle(self, *args, activities, seed, force, password, **options):
        if activities < 1:
            raise CommandError("--activities must be a positive number.")
        existing = Activity.all_objects.count()
        if existing and not force:
            raise CommandError(
                f"This database already has {existing} activities. Benchmark data goes into "
                "an empty database; add --force to add to it anyway (never on real data)."
            )
        if not Agency.objects.exists() or not Country.objects.exists():
            raise CommandError("No agencies or countries: run `manage.py migrate` first.")
        self.rng = random.Random(seed)
        # A second forced run gets its own references and addresses (they are unique).
        self.tag = f"r{existing}" if existing else ""
        self.agencies = list(Agency.objects.order_by("acronym"))
        self.by_acronym = {a.acronym: a for a in self.agencies}
        self.priorities = list(Priority.objects.order_by("code"))
        self.groups = {g.slug: g for g in TargetGroup.objects.order_by("slug")}
        self.themes = list(Theme.objects.order_by("pk").values_list("pk", flat=True))
        self.countries = list(Country.objects.order_by("iso3").values_list("iso3", flat=True))
        t_all = time.perf_counter()
        with self.stage("people"):
            self.people(activities, password)
        with self.stage("joint initiatives"):
            self.initiatives(activities)
        with self.stage(f"{activities} activities"):
            self.activities(activities, seed)
        with self.stage("search vectors and coverage"):
            qs = Activity.all_objects.filter(pk__in=self.activity_ids) if self.tag else None
            qs = qs if qs is not None else Activity.all_objects.all()
            qs.refresh_search_vector()
            qs.refresh_coverage()
        with self.stage("overlap flags"):
            self.flags(activities)
        with self.stage("flag comments"):
            self.comments()
        with self.stage("library, processes, positions, States, capacity, governance"):
            self.other_apps()
        with self.stage("digest archive"):
            self.digests()
        if connection.vendor == "postgresql":
            with self.stage("ANALYZE"), connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.stdout.write(self.style.SUCCESS(f"Done in {time.perf_counter() - t_all:.1f} s."))

    @contextmanager
    def stage(self, name):
        self.stdout.write(f"{name}…")
        self.stdout.flush()
        t0 = time.perf_counter()
        with transaction.atomic(), changes_by(command="generate_benchmark_data"):
            if connection.vendor == "postgresql":
                # Django makes foreign keys DEFERRABLE INITIALLY DEFERRED. Every history
                # event a trigger writes then leaves a deferred check in the transaction's
                # queue, and PostgreSQL walks that queue at the end of each statement: the
                # activity stage slowed batch after batch (2,000 rows: 0.5 s, then 1.6 s
                # by the 8th; 100,000 would have taken well over the ten minutes allowed).
                # Checked at once, each statement costs the same.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            yield
        self.stdout.write(f"  {name}: {time.perf_counter() - t0:.1f} s")

    def when(self, days_back_max, days_back_min=0):
        """A moment before ANCHOR, drawn from the seed."""
        seconds = self.rng.randint(days_back_min * 86400, days_back_max * 86400)
        return ANCHOR - datetime.timedelta(seconds=seconds)

    def name(self):
        return f"{self.rng.choice(FIRST_NAMES.split())} {self.rng.choice(LAST_NAMES.split())}"

    # People ---------------------------------------------------------------------------

    def people(self, n, password):
        # Hashed once for everyone: hashing per person would take longer than the data.
        hashed = make_password(password) if password else make_password(None)
        staff_each = max(3, n // 2000)
        suffix = f"-{self.tag}" if self.tag else ""
        rows = []
        for agency in self.agencies:
            slug = agency.slug
            rows.append((f"head.{slug}{suffix}@{DOMAIN}", Role.HEAD, agency))
            for k in range(2):
                rows.append((f"focal{k + 1}.{slug}{suffix}@{DOMAIN}", Role.FOCAL_POINT, agency))
            for k in range(staff_each):
                rows.append((f"staff{k + 1}.{slug}{suffix}@{DOMAIN}", Role.STAFF, agency))
        for k in range(5):
            rows.append((f"secretariat{k + 1}{suffix}@{DOMAIN}", Role.SECRETARIAT, None))
        users = User.objects.bulk_create(
            [
                User(
                    email=email,
                    full_name=self.name(),
                    role=role,
                    agency=agency,
                    password=hashed,
                    date_joined=self.when(900, 30),
                )
                for email, role, agency in rows
            ],
            batch_size=BATCH,
        )
        EmailAddress.objects.bulk_create(
            [
                EmailAddress(user=u, email=u.email, primary=True, verified=bool(password))
                for u in users
            ],
            batch_size=BATCH,
        )
        self.secretariat = [u for u in users if u.role == Role.SECRETARIAT]
        self.heads = [u for u in users if u.role == Role.HEAD]
        self.staff, self.focal = {}, {}
        for u in users:
            if u.role == Role.STAFF:
                self.staff.setdefault(u.agency_id, []).append(u)
            elif u.role == Role.FOCAL_POINT:
                self.focal.setdefault(u.agency_id, []).append(u)
        self.stdout.write(f"  {len(users)} people")

    # Digest archive -------------------------------------------------------------------

    def digests(self, weeks=104):
        """Two years of weekly digests for every head of agency and focal point: the archive
        a reader pages through (bodies of a realistic length; a few failed sends)."""
        readers = self.heads + [u for people in self.focal.values() for u in people]
        monday = datetime.date.today() - datetime.timedelta(days=datetime.date.today().weekday())
        paragraph = (
            "New activities of your agency and of others in the countries you work in, pairs "
            "the secretariat confirmed as overlapping, and joint initiatives that changed. "
        )
        rows = []
        for reader in readers:
            for k in range(1, weeks + 1):
                week = monday - datetime.timedelta(weeks=k)
                year, number, _day = week.isocalendar()
                failed = self.rng.random() < 0.01
                items = self.rng.randint(3, 40)
                text = "\n\n".join(f"{i + 1}. {paragraph}" for i in range(items))
                rows.append(
                    DigestDelivery(
                        recipient=reader,
                        iso_year=year,
                        iso_week=number,
                        status=DigestDelivery.Status.FAILED
                        if failed
                        else DigestDelivery.Status.SENT,
                        subject=f"GMG Portal: week {number} of {year}, {items} items",
                        text_body=text,
                        html_body="".join(f"<p>{line}</p>" for line in text.split("\n\n")),
                        attempts=5 if failed else 1,
                        error="SMTP 451: try again later" if failed else "",
                        sent_at=None
                        if failed
                        else datetime.datetime.combine(week, datetime.time(6), tzinfo=datetime.UTC),
                    )
                )
        DigestDelivery.objects.bulk_create(rows, batch_size=BATCH)
        self.stdout.write(f"  {len(rows)} digests")

    # Joint initiatives ----------------------------------------------------------------

    def initiatives(self, n):
        rng = self.rng
        statuses = JointInitiative.Status
        specs, self.member_of = [], {}
        for k in range(max(5, n // 500)):
            lead = rng.choice(self.agencies)
            status = rng.choices(list(statuses), [2, 5, 2, 0.5])[0]
            start = ANCHOR.date() - datetime.timedelta(days=rng.randint(-90, 1400))
            end = start + datetime.timedelta(days=rng.randint(180, 1100))
            prios = rng.sample(self.priorities, rng.randint(1, 3))
            invited = rng.sample([a for a in self.agencies if a != lead], rng.randint(1, 5))
            answers = [rng.choices(list(Participation.Status), [1, 5, 1])[0] for _agency in invited]
            specs.append((lead, status, start, end, prios, invited, answers))
            title = f"Joint programme {k + 1}{self.tag}: {prios[0].short_title.lower()}"
            specs[-1] = (*specs[-1], title[:250])
        objs = JointInitiative.objects.bulk_create(
            [
                JointInitiative(
                    title=title,
                    description=f"Led by {lead.acronym} with {len(invited)} invited agencies.",
                    lead_agency=lead,
                    status=status,
                    start_date=start,
                    end_date=end,
                    primary_priority=prios[0],
                    results="Results reported to the principals." if status == "completed" else "",
                    people_reached=rng.randint(500, 90000) if status == "completed" else None,
                )
                for lead, status, start, end, prios, invited, answers, title in specs
            ]
        )
        parts, members, prio_links = [], [], []
        PA = JointInitiative.participating_agencies.through
        PP = JointInitiative.priorities.through
        for ini, (lead, _s, _start, _e, prios, invited, answers, _t) in zip(
            objs, specs, strict=True
        ):
            members.append(PA(jointinitiative_id=ini.pk, agency_id=lead.pk))
            self.member_of.setdefault(lead.pk, []).append(ini.pk)
            prio_links += [PP(jointinitiative_id=ini.pk, priority_id=p.pk) for p in prios]
            for agency, answer in zip(invited, answers, strict=True):
                answered = answer != Participation.Status.INVITED
                parts.append(
                    Participation(
                        initiative=ini,
                        agency=agency,
                        status=answer,
                        invited_by=self.focal[lead.pk][0],
                        answered_by=self.focal[agency.pk][0] if answered else None,
                        answered_at=self.when(700) if answered else None,
                    )
                )
                # The services keep participating_agencies = lead + those who accepted.
                if answer == Participation.Status.ACCEPTED:
                    members.append(PA(jointinitiative_id=ini.pk, agency_id=agency.pk))
                    self.member_of.setdefault(agency.pk, []).append(ini.pk)
        Participation.objects.bulk_create(parts)
        PA.objects.bulk_create(members)
        PP.objects.bulk_create(prio_links)
        self.initiative_ids = [i.pk for i in objs]
        self.stdout.write(f"  {len(objs)} initiatives, {len(parts)} participations")

    # Activities -----------------------------------------------------------------------

    def activities(self, n, seed):
        t0 = time.perf_counter()
        evaluation = corpus.generate_large(n=n, seed=seed, names=corpus.country_names())
        self.specs = evaluation.specs
        self.stdout.write(f"  texts and places generated in {time.perf_counter() - t0:.1f} s")
        rng = self.rng
        foreign = {title: FOREIGN_LANGUAGE[key] for key, (title, _d) in corpus.FOREIGN.items()}
        prio_ids = {p.code: p.pk for p in self.priorities}
        kinds = list(Activity.Kind.values)
        anchor_day = ANCHOR.date()
        T = {
            "countries": Activity.countries.through,
            "regions": Activity.regions.through,
            "priorities": Activity.priorities.through,
            "target_groups": Activity.target_groups.through,
            "themes": Activity.themes.through,
            "partners": Activity.partners.through,
        }
        self.activity_ids = []
        for offset in range(0, n, BATCH):
            part = self.specs[offset : offset + BATCH]
            rows, extras = [], []
            for s in part:
                agency = self.by_acronym[s.agency]
                language = next(
                    (lang for t, lang in foreign.items() if s.title.startswith(t)), "en"
                )
                if s.end is not None and s.end < anchor_day:
                    status = "completed"
                elif s.start > anchor_day:
                    status = "planned"
                else:
                    status = "ongoing"
                if rng.random() < 0.03:
                    status = "cancelled"
                created = datetime.datetime.combine(
                    s.start, datetime.time(9), tzinfo=datetime.UTC
                ) - datetime.timedelta(days=rng.randint(0, 240), minutes=rng.randint(0, 600))
                if created > ANCHOR:
                    created = self.when(60)
                updated = created + (ANCHOR - created) * rng.random() ** 3
                author = rng.choice(self.staff[agency.pk])
                initiative = None
                if agency.pk in self.member_of and rng.random() < 0.03:
                    initiative = rng.choice(self.member_of[agency.pk])
                partners = []
                if rng.random() < 0.15:
                    partners = rng.sample(
                        [a.pk for a in self.agencies if a.pk != agency.pk], rng.randint(1, 2)
                    )
                groups = list(s.target_groups)
                if rng.random() < 0.4:
                    groups.append(rng.choice(list(self.groups)))
                themes = rng.sample(self.themes, rng.randint(1, 2)) if rng.random() < 0.3 else []
                extras.append((s, partners, sorted(set(groups)), themes))
                rows.append(
                    Activity(
                        agency=agency,
                        reference=f"GEN{self.tag}-{s.key:07d}",
                        title=s.title[:250],
                        description=s.description,
                        language=language,
                        kind=rng.choice(kinds),
                        status=status,
                        start_date=s.start,
                        end_date=s.end,
                        initiative_id=initiative,
                        contact_name=author.full_name,
                        created_at=created,
                        updated_at=updated,
                        created_by=author,
                        updated_by=author,
                    )
                )
            self.activity_batch(rows, extras, T, prio_ids)
            done = offset + len(part)
            self.stdout.write(f"  {done}/{n} activities ({time.perf_counter() - t0:.0f} s)")
            self.stdout.flush()

    def activity_batch(self, rows, extras, T, prio_ids):
        objs = Activity.objects.bulk_create(rows)
        links = {name: [] for name in T}
        for obj, (s, partners, groups, themes) in zip(objs, extras, strict=True):
            self.activity_ids.append(obj.pk)
            links["countries"] += [
                T["countries"](activity_id=obj.pk, country_id=c) for c in s.countries
            ]
            links["regions"] += [T["regions"](activity_id=obj.pk, region_id=r) for r in s.regions]
            links["priorities"] += [
                T["priorities"](activity_id=obj.pk, priority_id=prio_ids[c])
                for c in sorted(set(s.priorities))
            ]
            links["target_groups"] += [
                T["target_groups"](activity_id=obj.pk, targetgroup_id=self.groups[g].pk)
                for g in groups
                if g in self.groups
            ]
            links["themes"] += [T["themes"](activity_id=obj.pk, theme_id=t) for t in themes]
            links["partners"] += [T["partners"](activity_id=obj.pk, agency_id=a) for a in partners]
        for name, through in T.items():
            through.objects.bulk_create(links[name], batch_size=BATCH)

    # Overlap flags --------------------------------------------------------------------

    def flags(self, n):
        rng = self.rng
        specs, ids = self.specs, self.activity_ids
        by_country, by_topic = {}, {}
        for s in specs:
            for c in s.countries:
                by_country.setdefault(c, []).append(s.key)
                by_topic.setdefault((c, s.subject.split("/")[0]), []).append(s.key)
        with_country = [s.key for s in specs if s.countries]
        if not with_country:
            self.flag_ids = []
            return
        target, tries = max(10, n // 25), 0
        pairs = {}
        while len(pairs) < target and tries < target * 50:
            tries += 1
            a = specs[rng.choice(with_country)]
            country = rng.choice(a.countries)
            same_subject = rng.random() < 0.7
            pool = (
                by_topic[(country, a.subject.split("/")[0])]
                if same_subject
                else by_country[country]
            )
            b = specs[rng.choice(pool)]
            if a.agency == b.agency or not _running_together(a, b):
                continue
            # Stored once per pair, lower id first (flag_pair_ordered).
            pair = tuple(sorted((ids[a.key], ids[b.key])))
            if pair in pairs:
                continue
            score = rng.uniform(0.6, 0.98) if same_subject else rng.uniform(0.35, 0.7)
            pairs[pair] = (score, country, same_subject)
        rows = []
        decisions = ["confirmed", "not_related", "complementary", "joint"]
        for (x, y), (score, country, same_subject) in pairs.items():
            roll = rng.random()
            fields = {"status": "open"}
            if roll < 0.35:
                status = rng.choices(decisions, [8, 14, 9, 4])[0]
                fields = {
                    "status": status,
                    "decided_by": rng.choice(self.secretariat),
                    "decided_at": self.when(500),
                    "decision_note": rng.choice(NOTES[status] + [""]),
                }
            reasons = {"country": country, "same_subject": same_subject}
            rows.append(
                OverlapFlag(
                    activity_a_id=x,
                    activity_b_id=y,
                    score=round(score, 4),
                    reasons=reasons,
                    **fields,
                )
            )
        objs = OverlapFlag.objects.bulk_create(rows, batch_size=BATCH)
        self.flag_ids = [f.pk for f in objs]
        # auto_now_add stamped them "now": a decided pair was raised before it was decided.
        OverlapFlag.objects.filter(pk__in=self.flag_ids, decided_at__isnull=False).update(
            created_at=F("decided_at") - datetime.timedelta(days=9)
        )
        decided = sum(1 for r in rows if r.status != "open")
        self.stdout.write(f"  {len(objs)} flags, {decided} decided ({tries} draws)")

    def comments(self):
        rng = self.rng
        flags = OverlapFlag.objects.filter(pk__in=self.flag_ids).order_by("pk")
        rows = []
        for flag_id, a_agency, b_agency, status in flags.values_list(
            "pk", "activity_a__agency_id", "activity_b__agency_id", "status"
        ):
            if rng.random() < (0.3 if status != "open" else 0.05):
                for _k in range(rng.randint(1, 3)):
                    who = rng.choice(
                        [*self.focal[a_agency], *self.focal[b_agency], *self.secretariat]
                    )
                    rows.append(FlagComment(flag_id=flag_id, author=who, text=rng.choice(COMMENTS)))
        FlagComment.objects.bulk_create(rows, batch_size=BATCH)
        self.stdout.write(f"  {len(rows)} comments")

    # The group's other work: a handful of each -----------------------------------------

    def other_apps(self):
        rng, tag = self.rng, self.tag
        agencies, prios = self.agencies, self.priorities
        sec = self.secretariat[0]
        day = ANCHOR.date()

        items = LibraryItem.objects.bulk_create(
            [
                LibraryItem(
                    kind=rng.choice(["publication", "data_set", "tool"]),
                    title=f"Benchmark library item {k + 1}{tag}",
                    summary="A study of labour migration corridors and the costs of recruitment.",
                    year=rng.randint(2012, 2025),
                    language=rng.choice(["en", "fr", "es"]),
                    url=f"https://{DOMAIN}/library/{k + 1}{tag}",
                    created_by=sec,
                    updated_by=sec,
                )
                for k in range(8)
            ]
        )
        LA = LibraryItem.agencies.through
        LA.objects.bulk_create(
            [LA(libraryitem_id=i.pk, agency_id=rng.choice(agencies).pk) for i in items]
        )
        LP = LibraryItem.priorities.through
        LP.objects.bulk_create(
            [LP(libraryitem_id=i.pk, priority_id=rng.choice(prios).pk) for i in items]
        )
        LibraryItem.objects.filter(pk__in=[i.pk for i in items]).refresh_search_vector()

        processes = Process.objects.bulk_create(
            [
                Process(
                    name=f"Benchmark process {k + 1}{tag}",
                    slug=f"bench-process-{k + 1}{tag}",
                    kind=rng.choice(list(Process.Kind.values)),
                    created_by=sec,
                    updated_by=sec,
                )
                for k in range(3)
            ]
        )
        events = Event.objects.bulk_create(
            [
                Event(
                    process=p,
                    title=f"{p.name}: meeting {k + 1}",
                    place="Geneva",
                    start_date=day - datetime.timedelta(days=rng.randint(-120, 700)),
                    created_by=sec,
                    updated_by=sec,
                )
                for p in processes
                for k in range(2)
            ]
        )
        Contribution.objects.bulk_create(
            [
                Contribution(
                    event=e,
                    kind=rng.choice(list(Contribution.Kind.values)),
                    title=f"Statement to {e.title}",
                    date=e.start_date,
                    lead_agency=rng.choice(agencies),
                    created_by=sec,
                    updated_by=sec,
                )
                for e in events
            ]
        )

        positions = Position.objects.bulk_create(
            [
                Position(
                    title=f"Benchmark common position {k + 1}{tag}",
                    summary="Draft for the working level.",
                    lead_agency=rng.choice(agencies),
                    created_by=sec,
                )
                for k in range(4)
            ]
        )
        versions = PositionVersion.objects.bulk_create(
            [
                PositionVersion(
                    position=p, number=1, text="The GMG agencies hold that…", author=sec
                )
                for p in positions
            ]
        )
        for p, v in zip(positions, versions, strict=True):
            p.current_version = v
        Position.objects.bulk_update(positions, ["current_version"])

        engagements = Engagement.objects.bulk_create(
            [
                Engagement(
                    date=day - datetime.timedelta(days=rng.randint(0, 600)),
                    counterpart_kind="government",
                    counterpart_name="Ministry of Labour",
                    country_id=rng.choice(self.countries),
                    topic="Bilateral labour migration agreements",
                    lead_agency=rng.choice(agencies),
                    created_by=sec,
                    updated_by=sec,
                )
                for _k in range(6)
            ]
        )
        FollowUp.objects.bulk_create(
            [
                FollowUp(
                    engagement=e,
                    description="Share the draft agreement with the ministry.",
                    owner_agency=e.lead_agency,
                    due_date=e.date + datetime.timedelta(days=60),
                )
                for e in engagements
            ]
        )
        SupportRequest.objects.bulk_create(
            [
                SupportRequest(
                    country_id=rng.choice(self.countries),
                    received_date=day - datetime.timedelta(days=rng.randint(0, 300)),
                    subject="Support to a national migration policy",
                    created_by=sec,
                    updated_by=sec,
                )
                for _k in range(4)
            ]
        )

        trainings = Training.objects.bulk_create(
            [
                Training(
                    title=f"Benchmark training {k + 1}{tag}",
                    start_date=day - datetime.timedelta(days=rng.randint(-60, 600)),
                    country_id=rng.choice(self.countries),
                    city="Capital city",
                    lead_agency=rng.choice(agencies),
                    created_by=sec,
                    updated_by=sec,
                )
                for k in range(5)
            ]
        )
        TrainingParticipants.objects.bulk_create(
            [
                TrainingParticipants(training=t, agency=a, participants=rng.randint(1, 30))
                for t in trainings
                for a in rng.sample(agencies, 2)
            ]
        )
        Transfer.objects.bulk_create(
            [
                Transfer(
                    kind=rng.choice(list(Transfer.Kind.values)),
                    person_name=self.name(),
                    from_agency=pair[0],
                    to_agency=pair[1],
                    start_date=day - datetime.timedelta(days=rng.randint(0, 500)),
                    purpose="Support to the secretariat.",
                    created_by=sec,
                    updated_by=sec,
                )
                for pair in (rng.sample(agencies, 2) for _k in range(3))
            ]
        )

        meetings = Meeting.objects.bulk_create(
            [
                Meeting(
                    kind=rng.choice(list(Meeting.Kind.values)),
                    title=f"Benchmark GMG meeting {k + 1}{tag}",
                    date=day - datetime.timedelta(days=rng.randint(0, 700)),
                    place="New York",
                    chair=rng.choice(agencies),
                    created_by=sec,
                )
                for k in range(3)
            ]
        )
        items = AgendaItem.objects.bulk_create(
            [
                AgendaItem(meeting=m, position=k + 1, title=f"Item {k + 1}")
                for m in meetings
                for k in range(2)
            ]
        )
        ActionPoint.objects.bulk_create(
            [
                ActionPoint(
                    meeting=i.meeting,
                    agenda_item=i,
                    text="Circulate the revised work plan.",
                    owner=rng.choice(agencies),
                    due_date=i.meeting.date + datetime.timedelta(days=30),
                )
                for i in items
            ]
        )
        WorkingGroup.objects.bulk_create(
            [
                WorkingGroup(
                    name=f"Benchmark working group {k + 1}{tag}", slug=f"bench-wg-{k + 1}{tag}"
                )
                for k in range(2)
            ]
        )
        self.stdout.write("  a handful of each")
