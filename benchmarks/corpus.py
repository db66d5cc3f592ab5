"""A deterministic, labelled evaluation set for the overlap engine.

Every generated activity has a hidden *subject*. The gold label of a pair follows
the definition of an overlap, not the generator's intent: two activities overlap
when they have the same subject, different agencies, at least one common covered
country and overlapping periods; the overlap is *joint* when one lists the other's
agency as partner or both belong to the same joint initiative. Each agency writes
its own paraphrase (different title wording, a different subset of the subject's
phrases, a different framing sentence), never a copy.

Hard negatives are planted on purpose around every positive: the same subject in
another country, a sibling subject (same family: victim assistance versus
prosecution of trafficking) in the same country, the next phase of the same work,
and the same agency twice. Some descriptions are in French or Spanish, some are
one line or empty; descriptions name their countries and capitals.

Held-out data: ``split="tune"`` and ``split="report"`` use different random seeds
and disjoint sets of framing sentences and countries, so that figures reported on
``report`` come from data the threshold was not chosen on.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

# family, subject key, priorities, target groups, title variants, phrase pool
SUBJECTS = [
    (
        "labour",
        "labour_governance",
        "dgk",
        ["migrant-workers", "governments"],
        [
            "Labour migration governance",
            "Strengthening labour migration policy",
            "Governance of labour mobility",
            "Support to labour migration policy frameworks",
        ],
        [
            "labour migration policy",
            "bilateral labour agreements",
            "labour attachés",
            "labour market information",
            "tripartite consultations with social partners",
            "ministries of labour",
            "labour mobility frameworks",
            "decent work for migrant workers",
        ],
    ),
    (
        "labour",
        "fair_recruitment",
        "dhk",
        ["migrant-workers", "victims-of-exploitation"],
        [
            "Fair recruitment of migrant workers",
            "Ethical recruitment initiative",
            "Ending recruitment fees",
            "Regulating private recruitment agencies",
        ],
        [
            "recruitment fees and related costs",
            "licensing of recruitment agencies",
            "employer pays principle",
            "ethical recruitment standards",
            "deceptive job offers",
            "monitoring of labour recruiters",
            "complaint mechanisms for recruited workers",
            "recruitment agencies",
        ],
    ),
    (
        "finance",
        "remittance_costs",
        "fh",
        ["migrant-workers", "families-left-behind"],
        [
            "Reducing remittance costs",
            "Lowering the cost of remittances",
            "Cheaper remittance transfers",
            "Remittance market transparency",
        ],
        [
            "remittance corridors",
            "transfer costs",
            "price comparison of money transfer operators",
            "digital remittance channels",
            "mobile money transfers",
            "remittance service providers",
            "financial regulators",
            "cost of sending money home",
        ],
    ),
    (
        "finance",
        "diaspora_investment",
        "fgh",
        ["diaspora"],
        [
            "Diaspora investment and development",
            "Mobilising diaspora investment",
            "Diaspora bonds and entrepreneurship",
            "Diaspora capital for development",
        ],
        [
            "diaspora investment",
            "diaspora bonds",
            "diaspora entrepreneurs",
            "investment funds for diaspora",
            "business start-ups by returning diaspora",
            "financial literacy for remittance recipients",
            "savings and investment products",
            "productive investment of remittances",
        ],
    ),
    (
        "diaspora",
        "diaspora_engagement",
        "gj",
        ["diaspora"],
        [
            "Diaspora engagement strategy",
            "Engaging the diaspora",
            "Diaspora outreach and consultation",
            "Building bridges with diaspora communities",
        ],
        [
            "diaspora mapping",
            "diaspora associations",
            "consular outreach to the diaspora",
            "diaspora engagement policy",
            "skills transfer by diaspora professionals",
            "diaspora networks",
            "temporary return of qualified nationals",
            "diaspora directorate",
        ],
    ),
    (
        "trafficking",
        "trafficking_victims",
        "dk",
        ["victims-of-trafficking", "women"],
        [
            "Assistance to victims of trafficking",
            "Protection of trafficked persons",
            "Direct assistance for survivors of trafficking",
            "Victim support services for trafficking",
        ],
        [
            "shelters for victims",
            "psychosocial counselling",
            "medical care for survivors",
            "case management",
            "national referral mechanism",
            "identification of victims",
            "legal aid for survivors",
            "safe accommodation and rehabilitation",
        ],
    ),
    (
        "trafficking",
        "trafficking_prosecution",
        "dkl",
        ["victims-of-trafficking", "governments"],
        [
            "Prosecution of trafficking in persons",
            "Criminal justice response to trafficking",
            "Investigating and prosecuting trafficking",
            "Law enforcement against human trafficking",
        ],
        [
            "prosecutors and judges",
            "police investigators",
            "financial investigations",
            "criminal justice practitioners",
            "trafficking legislation",
            "convictions of traffickers",
            "joint investigation teams",
            "mutual legal assistance",
        ],
    ),
    (
        "trafficking",
        "smuggling",
        "kl",
        ["stranded-migrants", "governments"],
        [
            "Countering migrant smuggling",
            "Disrupting smuggling networks",
            "Migrant smuggling response",
            "Tackling the smuggling of migrants",
        ],
        [
            "smuggling networks",
            "smuggling routes",
            "protocol against the smuggling of migrants",
            "border police cooperation",
            "dismantling criminal smuggling groups",
            "information campaigns on smuggling risks",
            "smuggled migrants",
            "smugglers",
        ],
    ),
    (
        "children",
        "child_protection",
        "dk",
        ["children"],
        [
            "Protection of migrant children",
            "Child protection on the move",
            "Unaccompanied and separated children",
            "Safeguarding children in migration",
        ],
        [
            "unaccompanied and separated children",
            "best interests determination",
            "child protection case workers",
            "family tracing and reunification",
            "alternative care arrangements",
            "guardianship for unaccompanied minors",
            "child-friendly spaces",
            "alternatives to detention for children",
        ],
    ),
    (
        "children",
        "education_migrant_children",
        "dh",
        ["children", "refugees"],
        [
            "Education for migrant and refugee children",
            "Access to schooling for children on the move",
            "Inclusive education for displaced children",
            "Learning opportunities for migrant children",
        ],
        [
            "enrolment in national schools",
            "accelerated learning programmes",
            "teacher training",
            "school certificates and equivalency",
            "language classes for newly arrived pupils",
            "school feeding",
            "learning materials",
            "catch-up classes",
        ],
    ),
    (
        "return",
        "assisted_return",
        "dk",
        ["stranded-migrants", "returnees"],
        [
            "Assisted voluntary return",
            "Voluntary return of stranded migrants",
            "Humanitarian return assistance",
            "Safe and dignified voluntary return",
        ],
        [
            "voluntary return",
            "stranded migrants",
            "travel documents and transport",
            "pre-departure counselling",
            "transit centres",
            "return flights",
            "consular coordination",
            "return assistance",
        ],
    ),
    (
        "return",
        "reintegration",
        "dfh",
        ["returnees", "host-communities"],
        [
            "Sustainable reintegration of returnees",
            "Reintegration support for returning migrants",
            "Community-based reintegration",
            "Economic reintegration of returnees",
        ],
        [
            "reintegration assistance",
            "vocational training for returnees",
            "small business grants",
            "psychosocial support after return",
            "community projects in areas of return",
            "reintegration counselling",
            "livelihood support",
            "monitoring of reintegration",
        ],
    ),
    (
        "climate",
        "climate_mobility",
        "bfk",
        ["internally-displaced", "host-communities"],
        [
            "Climate change and human mobility",
            "Migration in the context of climate change",
            "Climate-induced displacement and migration",
            "Environmental migration and adaptation",
        ],
        [
            "climate change",
            "slow-onset environmental degradation",
            "drought and desertification",
            "sea-level rise",
            "adaptation strategies",
            "planned relocation",
            "climate vulnerability",
            "environmental migration",
        ],
    ),
    (
        "climate",
        "disaster_displacement",
        "k",
        ["internally-displaced"],
        [
            "Disaster displacement preparedness",
            "Preparedness for displacement after disasters",
            "Disaster risk reduction and displacement",
            "Responding to disaster-induced displacement",
        ],
        [
            "disaster risk reduction",
            "evacuation planning",
            "early warning systems",
            "displacement tracking after floods",
            "emergency shelter",
            "cyclones and floods",
            "camp coordination",
            "preparedness plans",
        ],
    ),
    (
        "health",
        "migrant_health",
        "dk",
        ["migrant-workers", "refugees"],
        [
            "Migrant health services",
            "Access to health care for migrants",
            "Migrant-inclusive health systems",
            "Health assistance for migrants",
        ],
        [
            "primary health care",
            "tuberculosis screening",
            "vaccination",
            "health insurance coverage",
            "HIV prevention",
            "health workers",
            "mobile clinics",
            "migrant-friendly health services",
        ],
    ),
    (
        "health",
        "mental_health",
        "d",
        ["refugees", "internally-displaced"],
        [
            "Mental health and psychosocial support",
            "Psychosocial support for displaced people",
            "Mental health care for migrants and refugees",
            "MHPSS for people on the move",
        ],
        [
            "mental health",
            "psychosocial support",
            "trauma counselling",
            "psychological first aid",
            "community support groups",
            "MHPSS",
            "stress and distress",
            "psychiatric care referrals",
        ],
    ),
    (
        "skills",
        "skills_recognition",
        "fhl",
        ["migrant-workers"],
        [
            "Recognition of migrant skills",
            "Skills and qualifications recognition",
            "Recognising foreign qualifications",
            "Skills partnerships and certification",
        ],
        [
            "recognition of prior learning",
            "qualifications frameworks",
            "skills certification",
            "skills partnerships",
            "mutual recognition of diplomas",
            "vocational qualifications",
            "skills assessment",
            "credential evaluation",
        ],
    ),
    (
        "statelessness",
        "statelessness",
        "dj",
        ["refugees"],
        [
            "Ending statelessness",
            "Prevention and reduction of statelessness",
            "Nationality rights and statelessness",
            "Addressing statelessness",
        ],
        [
            "statelessness",
            "nationality laws",
            "birth registration",
            "stateless persons",
            "acquisition of nationality",
            "civil documentation",
            "gender discrimination in nationality",
            "naturalisation procedures",
        ],
    ),
    (
        "border",
        "border_management",
        "kl",
        ["governments"],
        [
            "Integrated border management",
            "Humane and efficient border management",
            "Border management capacity",
            "Modernising border crossing points",
        ],
        [
            "border crossing points",
            "border officials",
            "biometric registration",
            "migration information and data analysis system",
            "document examination",
            "inter-agency border coordination",
            "border infrastructure",
            "immigration officers",
        ],
    ),
    (
        "data",
        "migration_statistics",
        "b",
        ["governments"],
        [
            "Migration statistics and data",
            "Improving migration data",
            "Strengthening migration statistics",
            "Data on international migration",
        ],
        [
            "national statistics office",
            "census and household surveys",
            "migration indicators",
            "administrative data",
            "data harmonisation",
            "migration profiles",
            "statistical capacity",
            "disaggregated data by migratory status",
        ],
    ),
    (
        "data",
        "displacement_tracking",
        "b",
        ["internally-displaced"],
        [
            "Displacement tracking",
            "Monitoring internal displacement",
            "Tracking displacement flows",
            "Displacement monitoring and needs assessment",
        ],
        [
            "displacement tracking matrix",
            "flow monitoring points",
            "site assessments",
            "mobility tracking",
            "needs assessments",
            "enumerators",
            "displacement figures",
            "baseline assessments",
        ],
    ),
    (
        "rights",
        "detention_alternatives",
        "d",
        ["asylum-seekers", "stranded-migrants"],
        [
            "Alternatives to immigration detention",
            "Ending immigration detention",
            "Community-based alternatives to detention",
            "Detention monitoring and alternatives",
        ],
        [
            "immigration detention",
            "alternatives to detention",
            "detention monitoring",
            "case management in the community",
            "reporting obligations",
            "deprivation of liberty",
            "detention centres",
            "release from detention",
        ],
    ),
    (
        "rights",
        "xenophobia",
        "dj",
        ["host-communities", "refugees"],
        [
            "Countering xenophobia and discrimination",
            "Fighting xenophobia against migrants",
            "Social cohesion and anti-discrimination",
            "Tackling hate speech against migrants",
        ],
        [
            "xenophobia",
            "hate speech",
            "anti-discrimination",
            "social cohesion",
            "media campaigns",
            "intercultural dialogue",
            "racism and intolerance",
            "public perceptions of migrants",
        ],
    ),
    (
        "asylum",
        "asylum_systems",
        "dj",
        ["asylum-seekers", "refugees"],
        [
            "Strengthening asylum systems",
            "Refugee status determination",
            "Fair and efficient asylum procedures",
            "Asylum capacity development",
        ],
        [
            "refugee status determination",
            "asylum procedures",
            "eligibility officers",
            "asylum legislation",
            "registration of asylum-seekers",
            "refugee law",
            "appeals bodies",
            "asylum case backlog",
        ],
    ),
    (
        "gender",
        "women_migrant_workers",
        "dh",
        ["women", "migrant-workers"],
        [
            "Protection of women migrant workers",
            "Rights of women migrant domestic workers",
            "Gender-responsive labour migration",
            "Women migrant workers empowerment",
        ],
        [
            "women migrant workers",
            "domestic workers",
            "gender-based violence",
            "gender-responsive policies",
            "pre-departure orientation for women",
            "care work",
            "women's organisations",
            "sexual harassment at work",
        ],
    ),
    (
        "rural",
        "rural_migration",
        "fh",
        ["host-communities"],
        [
            "Rural youth migration and agriculture",
            "Rural development and distress migration",
            "Agricultural livelihoods and migration",
            "Migration and rural transformation",
        ],
        [
            "rural youth",
            "agricultural value chains",
            "distress migration",
            "smallholder farmers",
            "rural employment",
            "agribusiness",
            "food security",
            "seasonal agricultural workers",
        ],
    ),
    (
        "integration",
        "integration",
        "dh",
        ["refugees", "host-communities"],
        [
            "Local integration of migrants and refugees",
            "Integration in host communities",
            "Socio-economic inclusion of refugees",
            "Migrant integration in cities",
        ],
        [
            "local integration",
            "language courses",
            "access to the labour market",
            "municipal integration plans",
            "host communities",
            "social inclusion",
            "integration services",
            "self-reliance",
        ],
    ),
    (
        "policy",
        "gcm_implementation",
        "ceg",
        ["governments"],
        [
            "Implementation of the Global Compact for Migration",
            "Global Compact for Migration national plans",
            "GCM national implementation",
            "Support to GCM review",
        ],
        [
            "global compact for safe orderly and regular migration",
            "national implementation plans",
            "voluntary GCM reviews",
            "whole-of-government approach",
            "international migration review forum",
            "GCM objectives",
            "multi-stakeholder consultations",
            "migration network",
        ],
    ),
    (
        "policy",
        "regional_free_movement",
        "gjk",
        ["migrant-workers", "governments"],
        [
            "Regional free movement of persons",
            "Free movement protocols",
            "Regional mobility and free movement",
            "Implementing free movement agreements",
        ],
        [
            "free movement protocol",
            "regional economic communities",
            "regional passports",
            "portability of social security",
            "residence rights",
            "cross-border traders",
            "regional integration",
            "visa liberalisation",
        ],
    ),
]

FRAMES = {
    "tune": [
        "{title}. The project focuses on {p0} and {p1}.",
        "Under this programme, the agency works on {p0}, {p1} and {p2}.",
        "{title}: support covers {p0}; it also addresses {p1}.",
        "This initiative aims at {p0}. Activities include {p1} and {p2}.",
    ],
    "report": [
        "Through this project we provide support on {p0}, together with {p1}.",
        "{title}. Main components: {p0}, {p1}, {p2}.",
        "The intervention concentrates on {p0} and {p1}, building on earlier work.",
        "Objective: {title}. Key areas are {p0} as well as {p1} and {p2}.",
    ],
}
FOREIGN = {
    "trafficking_victims": (
        "Aide aux victimes de la traite",
        "Hébergement, soins médicaux et accompagnement psychosocial des victimes de la traite; "
        "mécanisme national d'orientation.",
    ),
    "remittance_costs": (
        "Reducción del costo de las remesas",
        "Análisis de los corredores de remesas y de los costos de transferencia; "
        "canales digitales para enviar dinero.",
    ),
    "child_protection": (
        "Protection des enfants migrants non accompagnés",
        "Enfants non accompagnés et séparés: recherche familiale, tutelle et prise en charge.",
    ),
    "statelessness": (
        "Erradicar la apatridia",
        "Apatridia, leyes de nacionalidad y registro de nacimientos para personas apátridas.",
    ),
}
FILLER = [
    "Coordination with national authorities and civil society is ensured.",
    "Results will be shared with the United Nations country team.",
    "The work contributes to the Sustainable Development Goals.",
    "A steering committee meets twice a year.",
    "Lessons learned will be documented in a final report.",
    "",
]
COUNTRIES = {
    "tune": [
        "KEN",
        "UGA",
        "ETH",
        "SEN",
        "MLI",
        "NGA",
        "GHA",
        "MAR",
        "JOR",
        "BGD",
        "NPL",
        "PHL",
        "GTM",
        "HND",
        "COL",
        "PER",
        "ECU",
        "UKR",
        "MDA",
        "TUR",
    ],
    "report": [
        "TZA",
        "RWA",
        "SOM",
        "NER",
        "BFA",
        "CIV",
        "GIN",
        "TUN",
        "EGY",
        "LBN",
        "PAK",
        "LKA",
        "IDN",
        "MEX",
        "SLV",
        "VEN",
        "BOL",
        "GEO",
        "ARM",
        "KGZ",
    ],
}
CAPITAL = {
    "KEN": "Nairobi",
    "UGA": "Kampala",
    "ETH": "Addis Ababa",
    "SEN": "Dakar",
    "NGA": "Abuja",
    "TZA": "Dodoma",
    "RWA": "Kigali",
    "SOM": "Mogadishu",
    "NER": "Niamey",
    "MEX": "Mexico",
    "PAK": "Islamabad",
    "LKA": "Colombo",
    "PHL": "Manila",
    "COL": "Bogota",
    "PER": "Lima",
}
AGENCIES = [
    "IOM",
    "ILO",
    "UNHCR",
    "UNICEF",
    "UNODC",
    "UNDP",
    "UN Women",
    "WHO",
    "FAO",
    "UNFPA",
    "WB",
    "OHCHR",
    "UN DESA",
    "UNESCO",
    "WFP",
]


@dataclass
class Spec:
    key: int
    subject: str
    agency: str
    title: str
    description: str
    start: datetime.date
    end: datetime.date | None
    countries: list = field(default_factory=list)
    regions: list = field(default_factory=list)
    priorities: str = "b"
    target_groups: list = field(default_factory=list)
    partners: list = field(default_factory=list)
    initiative: int | None = None


@dataclass
class EvaluationSet:
    specs: list
    # filled by create(): spec key -> activity id
    ids: dict = field(default_factory=dict)

    def gold(self, region_members: dict, all_countries: set):
        """(overlap pairs, joint pairs) of activity ids, a < b, from the hidden subjects."""
        covered = {}
        for s in self.specs:
            c = set(s.countries)
            for r in s.regions:
                c |= all_countries if r == "001" else region_members.get(r, set())
            covered[s.key] = c
        by_subject = {}
        for s in self.specs:
            by_subject.setdefault(s.subject, []).append(s)
        overlaps, joint = set(), set()
        for group in by_subject.values():
            for i, a in enumerate(group):
                for b in group[i + 1 :]:
                    if a.agency == b.agency or not covered[a.key] & covered[b.key]:
                        continue
                    if not _running_together(a, b):
                        continue
                    ia, ib = self.ids[a.key], self.ids[b.key]
                    p = (min(ia, ib), max(ia, ib))
                    overlaps.add(p)
                    same_init = a.initiative is not None and a.initiative == b.initiative
                    if same_init or b.agency in a.partners or a.agency in b.partners:
                        joint.add(p)
        return overlaps, joint


def _running_together(a, b):
    return (a.end is None or a.end >= b.start) and (b.end is None or b.end >= a.start)


def _text(rng, subject, split, country_codes, names, style):
    family, key, prios, groups, titles, phrases = subject
    if style == "foreign" and key in FOREIGN:
        return FOREIGN[key]
    title = rng.choice(titles)
    if style == "short":
        return title, rng.choice(["", rng.choice(phrases).capitalize() + "."])
    p = rng.sample(phrases, 3)
    desc = rng.choice(FRAMES[split]).format(title=title.lower(), p0=p[0], p1=p[1], p2=p[2])
    desc = desc[0].upper() + desc[1:]
    places = [names.get(c, c) for c in country_codes]
    capitals = [CAPITAL[c] for c in country_codes if c in CAPITAL]
    where = rng.choice(
        [
            "Implemented in {p}.",
            "The work takes place in {p}, with offices in {c}.",
            "Beneficiaries in {p} ({c}).",
        ]
    ).format(p=", ".join(places) or "several countries", c=", ".join(capitals) or "the capital")
    desc = " ".join(x for x in (desc, where, rng.choice(FILLER)) if x)
    if places and rng.random() < 0.5:
        title = f"{title} in {places[0]}"
    return title, desc


def generate(split="report", cases=120, seed=None, names=None) -> EvaluationSet:
    """Labelled activities: ``cases`` clusters of a positive and its hard negatives."""
    seed = {"tune": 1, "report": 2}.get(split, 3) if seed is None else seed
    rng = random.Random(seed)
    names = names or {}
    pool = COUNTRIES[split]
    by_family = {}
    for s in SUBJECTS:
        by_family.setdefault(s[0], []).append(s)
    specs = []
    regions = {"tune": ["014", "011"], "report": ["005", "034"]}[split]

    def add(subject, agency, countries, start, end, regs=(), **kw):
        style = rng.choices(["normal", "foreign", "short"], [0.84, 0.08, 0.08])[0]
        title, desc = _text(rng, subject, split, countries, names, style)
        spec = Spec(
            key=len(specs),
            subject=subject[1],
            agency=agency,
            title=title,
            description=desc,
            start=start,
            end=end,
            countries=list(countries),
            regions=list(regs),
            priorities="".join(
                sorted(set(rng.choice([subject[2], subject[2][:2], "b" + subject[2][:1]])))
            ),
            target_groups=rng.sample(subject[3], rng.randint(0, len(subject[3]))),
            **kw,
        )
        specs.append(spec)
        return spec

    initiative_no = 0
    for _ in range(cases):
        subject = rng.choice(SUBJECTS)
        country = rng.choice(pool)
        other_country = rng.choice([c for c in pool if c != country])
        x, y, z = rng.sample(AGENCIES, 3)
        start = datetime.date(rng.randint(2016, 2024), rng.choice([1, 4, 7, 10]), 1)
        length = rng.randint(365, 3 * 365)
        end = None if rng.random() < 0.15 else start + datetime.timedelta(days=length)
        add(subject, x, [country], start, end)
        kind = rng.random()
        # the positive: same subject, shared country, overlapping period, paraphrased
        s2 = start + datetime.timedelta(days=rng.randint(-200, 200))
        e2 = None if rng.random() < 0.1 else s2 + datetime.timedelta(days=rng.randint(400, 900))
        extra = rng.sample(pool, rng.randint(0, 2))
        if kind < 0.1:
            add(subject, y, [], s2, e2, regs=[rng.choice(regions)])
            specs[-1].countries = []
        elif kind < 0.15:
            add(subject, y, [], s2, e2, regs=["001"])
        elif kind < 0.3:
            add(subject, y, sorted({country, *extra}), s2, e2, partners=[x])
        elif kind < 0.38:
            initiative_no += 1
            specs[-1].initiative = initiative_no
            add(subject, y, [country], s2, e2, initiative=initiative_no)
        else:
            add(subject, y, sorted({country, *extra}), s2, e2)
        # hard negatives
        add(subject, z, [other_country], start, end)
        siblings = [s for s in by_family[subject[0]] if s is not subject]
        if siblings:
            add(rng.choice(siblings), y if rng.random() < 0.5 else z, [country], start, end)
        if end is not None:
            ns = end + datetime.timedelta(days=rng.randint(1, 120))
            add(subject, z, [country], ns, ns + datetime.timedelta(days=700))
        add(subject, x, [country], start, end)
        add(rng.choice(SUBJECTS), z, [country], start, end)
    return EvaluationSet(specs)


def create(evaluation: EvaluationSet, fast=False, user=None) -> EvaluationSet:
    """Store the specs as Activity rows (through the services, or in bulk when ``fast``)."""
    from activities.models import Activity
    from activities.services import activity_create
    from agencies.models import Agency
    from geo.models import Country, Region
    from initiatives.models import JointInitiative
    from priorities.models import Priority, TargetGroup

    agencies = {a.acronym: a for a in Agency.objects.all()}
    countries = Country.objects.in_bulk()
    regions = Region.objects.in_bulk()
    priorities = {p.code: p for p in Priority.objects.all()}
    groups = {g.slug: g for g in TargetGroup.objects.all()}
    initiatives = {}
    for spec in evaluation.specs:
        if spec.initiative is not None and spec.initiative not in initiatives:
            ji = JointInitiative.objects.create(
                title=f"Evaluation initiative {spec.initiative}",
                lead_agency=agencies[spec.agency],
                status=JointInitiative.Status.ACTIVE,
            )
            ji.priorities.set([priorities["a"]])
            initiatives[spec.initiative] = ji
    if fast:
        return bulk_create(evaluation, agencies, initiatives, groups)
    for spec in evaluation.specs:
        activity = activity_create(
            agency=agencies[spec.agency],
            by=user,
            reference=f"EVAL-{spec.key:06d}",
            title=spec.title,
            description=spec.description,
            start_date=spec.start,
            end_date=spec.end,
            status=Activity.Status.ONGOING,
            countries=[countries[c] for c in spec.countries],
            regions=[regions[r] for r in spec.regions],
            priorities=[priorities[c] for c in spec.priorities],
            target_groups=[groups[g] for g in spec.target_groups if g in groups],
            partners=[agencies[a] for a in spec.partners],
            initiative=initiatives.get(spec.initiative),
        )
        evaluation.ids[spec.key] = activity.pk
    return evaluation


def bulk_create(evaluation, agencies=None, initiatives=None, groups=None, batch=5000):
    """Fast path for large sets: activities and through-table rows in bulk."""
    from activities.models import Activity
    from agencies.models import Agency
    from priorities.models import Priority, TargetGroup

    agencies = agencies or {a.acronym: a for a in Agency.objects.all()}
    initiatives = initiatives or {}
    groups = groups or {g.slug: g for g in TargetGroup.objects.all()}
    prio_ids = dict(Priority.objects.values_list("code", "id"))
    now = datetime.datetime.now(datetime.UTC)
    specs = evaluation.specs
    for i in range(0, len(specs), batch):
        part = specs[i : i + batch]
        objs = Activity.objects.bulk_create(
            [
                Activity(
                    agency_id=agencies[s.agency].pk,
                    reference=f"EVAL-{s.key:07d}",
                    title=s.title[:250],
                    description=s.description,
                    start_date=s.start,
                    end_date=s.end,
                    status=Activity.Status.ONGOING,
                    initiative=initiatives.get(s.initiative),
                    created_at=now,
                    updated_at=now,
                )
                for s in part
            ]
        )
        if objs and objs[0].pk is None:
            refs = {f"EVAL-{s.key:07d}": s.key for s in part}
            for pk, ref in Activity.objects.filter(reference__in=list(refs)).values_list(
                "pk", "reference"
            ):
                evaluation.ids[refs[ref]] = pk
        else:
            for s, o in zip(part, objs, strict=True):
                evaluation.ids[s.key] = o.pk
        through = Activity.countries.through
        through.objects.bulk_create(
            [
                through(activity_id=evaluation.ids[s.key], country_id=c)
                for s in part
                for c in s.countries
            ]
        )
        through = Activity.regions.through
        through.objects.bulk_create(
            [
                through(activity_id=evaluation.ids[s.key], region_id=r)
                for s in part
                for r in s.regions
            ]
        )
        through = Activity.priorities.through
        through.objects.bulk_create(
            [
                through(activity_id=evaluation.ids[s.key], priority_id=prio_ids[c])
                for s in part
                for c in sorted(set(s.priorities))
            ]
        )
        through = Activity.target_groups.through
        through.objects.bulk_create(
            [
                through(activity_id=evaluation.ids[s.key], targetgroup_id=groups[g].pk)
                for s in part
                for g in s.target_groups
                if g in groups
            ]
        )
        through = Activity.partners.through
        through.objects.bulk_create(
            [
                through(activity_id=evaluation.ids[s.key], agency_id=agencies[a].pk)
                for s in part
                for a in s.partners
            ]
        )
    # As the services do after a save: the coverage tallies (of the whole register: an IN
    # list of 100,000 keys is more than SQLite takes).
    Activity.objects.all().refresh_coverage()
    return evaluation


def generate_large(n=100_000, seed=7, names=None) -> EvaluationSet:
    """Background data for the scale benchmark: skewed countries, regions, global work."""
    from geo.models import Country, Region

    rng = random.Random(seed)
    names = names or {}
    all_countries = sorted(Country.objects.values_list("iso3", flat=True))
    rng.shuffle(all_countries)
    weights = [1.0 / (i + 1) ** 0.8 for i in range(len(all_countries))]
    region_codes = sorted(Region.objects.filter(level__gte=2).values_list("code", flat=True))
    specs = []
    for key in range(n):
        subject = rng.choice(SUBJECTS)
        start = datetime.date(rng.randint(2010, 2026), rng.randint(1, 12), 1)
        end = (
            None
            if rng.random() < 0.12
            else start + datetime.timedelta(days=rng.randint(90, 4 * 365))
        )
        r = rng.random()
        if r < 0.005:
            countries, regs = [], ["001"]
        elif r < 0.06:
            countries, regs = [], [rng.choice(region_codes)]
        else:
            countries = sorted(set(rng.choices(all_countries, weights, k=rng.randint(1, 3))))
            regs = []
        split = "tune" if key % 2 else "report"
        style = rng.choices(["normal", "foreign", "short"], [0.9, 0.05, 0.05])[0]
        # A real portfolio has thousands of distinct pieces of work, not 29 subjects:
        # each activity belongs to one of TOPICS_PER_SUBJECT programme lines, and its
        # text is mostly about that line (its own terms), as real descriptions are about
        # their specific work. Only one sentence comes from the broad subject.
        topic = rng.randrange(TOPICS_PER_SUBJECT)
        words = _topic_words(subject[1], topic)
        if style == "normal":
            phrase = rng.choice(subject[5])
            title = f"{rng.choice(subject[4])}: {words[0]} {words[1]} {words[2]}"
            desc = (
                f"{words[0].capitalize()} {words[1]} {words[2]} programme, {phrase}. "
                f"It covers {words[3]} and {words[4]} for {words[5]}; "
                f"focus: {', '.join(rng.sample(words, 4))}."
            )
        else:
            title, desc = _text(rng, subject, split, countries, names, style)
            desc = f"{desc} Focus: {', '.join(rng.sample(words, 4))}."
            title = f"{title}: {words[0]} {words[1]}"
        specs.append(
            Spec(
                key=key,
                subject=f"{subject[1]}/{topic}",
                agency=rng.choice(AGENCIES),
                title=title,
                description=desc,
                start=start,
                end=end,
                countries=countries,
                regions=regs,
                priorities=subject[2][:2],
                target_groups=subject[3][:1],
            )
        )
    return EvaluationSet(specs)


TOPICS_PER_SUBJECT = 100
_SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]


def _topic_words(subject, topic):
    rng = random.Random(f"{subject}/{topic}")
    return ["".join(rng.choices(_SYLLABLES, k=3)) for _ in range(6)]


def country_names():
    from geo.models import Country

    return dict(Country.objects.values_list("iso3", "name"))


def region_members():
    from geo.models import Country, Region

    out = {}
    for code, iso3 in Region.countries.through.objects.values_list("region_id", "country_id"):
        out.setdefault(code, set()).add(iso3)
    return out, set(Country.objects.values_list("iso3", flat=True))
