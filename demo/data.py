"""Demonstration people, joint initiatives and activities, loaded by `manage.py seed_demo`.

Plain data so that it can be read and edited without touching the command. Countries are
ISO 3166-1 alpha-3 codes, regions UN M49 codes ("001" is the World), priorities the letters
of the Terms of Reference, target groups and themes the slugs of priorities/0002. Every
name and address here is fictional; the domain is not a real agency's, so nothing seeded
can be mistaken for a real person.

A few pairs of activities by different agencies deliberately cover the same ground in
different words (marked "overlaps with"), for the duplication checks to find.
"""

from datetime import date

PASSWORD = "gmg-demo-password-2026"
DOMAIN = "demo.gmg-portal.org"


def _email(local):
    return f"{local}@{DOMAIN}"


# (email, full name, role, agency acronym or None for the secretariat)
PEOPLE = [
    (_email("amina.yusuf"), "Amina Yusuf", "staff", "IOM"),
    (_email("tomas.herrera"), "Tomás Herrera", "focal_point", "IOM"),
    (_email("mariam.haddad"), "Mariam Haddad", "head", "IOM"),
    (_email("kiran.thapa"), "Kiran Thapa", "staff", "ILO"),
    (_email("claire.dubois"), "Claire Dubois", "focal_point", "ILO"),
    (_email("samuel.mensah"), "Samuel Mensah", "head", "ILO"),
    (_email("leila.karimi"), "Leila Karimi", "staff", "UNHCR"),
    (_email("jonas.lindqvist"), "Jonas Lindqvist", "focal_point", "UNHCR"),
    (_email("grace.wanjiru"), "Grace Wanjiru", "head", "UNHCR"),
    (_email("sofia.ramirez"), "Sofía Ramírez", "staff", "UNICEF"),
    (_email("yusuf.demir"), "Yusuf Demir", "focal_point", "UNICEF"),
    (_email("anna.kowalska"), "Anna Kowalska", "head", "UNICEF"),
    (_email("ravi.menon"), "Ravi Menon", "staff", "UNDP"),
    (_email("fatou.ndiaye"), "Fatou Ndiaye", "focal_point", "UNDP"),
    (_email("henrik.olsen"), "Henrik Olsen", "head", "UNDP"),
    (_email("elena.marchetti"), "Elena Marchetti", "secretariat", None),
]

# Looked up by title, so a title must not change once seeded.
INITIATIVES = [
    {
        "key": "fair-recruitment",
        "title": "Joint Programme on Fair Recruitment in the South Asia–Gulf corridor",
        "description": (
            "ILO, IOM and UN Women pool their work on recruitment fees, contract substitution "
            "and access to justice for migrant workers moving from Nepal, Bangladesh and Sri "
            "Lanka to the Gulf Cooperation Council countries, under one results framework "
            "agreed with the governments of origin and destination."
        ),
        "lead": "ILO",
        "participants": ["IOM", "UN Women"],
        "priorities": "dkl",
        "status": "active",
        "start_date": date(2026, 1, 1),
        "end_date": date(2027, 12, 31),
    },
    {
        "key": "children-data",
        "title": "Inter-agency Partnership on Data for Children on the Move",
        "description": (
            "A common agenda to close gaps in age- and sex-disaggregated data on migrant, "
            "refugee and displaced children: shared definitions, joint guidance for national "
            "statistical offices, and one place to publish the indicators."
        ),
        "lead": "UNICEF",
        "participants": ["IOM", "UNHCR", "UN DESA"],
        "priorities": "ab",
        "status": "proposed",
        "start_date": date(2026, 6, 1),
        "end_date": None,
    },
]


def _contact(local, name):
    return {"contact_name": name, "contact_email": _email(local)}


# Each activity: agency acronym, the activity_create fields, relations by code, and the
# key of its joint initiative if any.
ACTIVITIES = [
    # IOM
    {
        "agency": "IOM",
        "reference": "IOM-2025-031",
        # Overlaps in part with UNDP-2025-027: same countries and period, other angle.
        "title": "Return and reintegration support for migrants stranded in Libya",
        "description": (
            "Assisted voluntary return from Libya for stranded migrants who request it, with "
            "pre-departure counselling, medical screening and travel documents, followed by "
            "individual reintegration packages in Niger and Mali."
        ),
        "kind": "programme",
        "status": "ongoing",
        "start_date": date(2025, 3, 1),
        "end_date": None,
        "countries": ["LBY", "NER", "MLI"],
        "regions": [],
        "priorities": "dk",
        "target_groups": ["stranded-migrants", "returnees"],
        "themes": ["return-reintegration", "protection"],
        "partners": ["UNDP"],
        **_contact("amina.yusuf", "Amina Yusuf"),
    },
    {
        "agency": "IOM",
        "reference": "IOM-2026-014",
        # Overlaps with ILO-2026-009.
        "title": "Capacity building for labour inspectorates on ethical recruitment",
        "description": (
            "Workshops and a practitioners' toolkit for labour inspectors of Nepal and Qatar "
            "on detecting recruitment fees, contract substitution and passport retention, "
            "based on the IRIS Standard on ethical recruitment."
        ),
        "kind": "training",
        "status": "ongoing",
        "start_date": date(2026, 2, 1),
        "end_date": date(2027, 1, 31),
        "countries": ["NPL", "QAT"],
        "regions": [],
        "priorities": "dl",
        "target_groups": ["migrant-workers", "governments"],
        "themes": ["labour-rights", "employment"],
        "partners": [],
        **_contact("tomas.herrera", "Tomás Herrera"),
    },
    {
        "agency": "IOM",
        "reference": "IOM-2024-087",
        "title": "Flow monitoring of mixed migration through the Sahel",
        "description": (
            "Displacement Tracking Matrix flow monitoring points at key transit locations in "
            "Western Africa, with quarterly dashboards on the profile, routes and needs of "
            "people on the move."
        ),
        "kind": "data_collection",
        "status": "completed",
        "start_date": date(2024, 1, 15),
        "end_date": date(2025, 12, 31),
        "countries": [],
        "regions": ["011"],
        "priorities": "b",
        "target_groups": ["stranded-migrants", "migrant-workers"],
        "themes": ["data-statistics"],
        "partners": [],
        **_contact("amina.yusuf", "Amina Yusuf"),
    },
    {
        "agency": "IOM",
        "reference": "IOM-2026-022",
        "title": "Planned relocation guidance for Pacific Island States facing climate change",
        "description": (
            "Technical assistance to Fiji, Tuvalu, Kiribati and Vanuatu on rights-based "
            "planned relocation of communities exposed to sea-level rise, including "
            "consultation protocols and land tenure options."
        ),
        "kind": "technical_assistance",
        "status": "ongoing",
        "start_date": date(2026, 1, 1),
        "end_date": date(2027, 6, 30),
        "countries": ["FJI", "TUV", "KIR", "VUT"],
        "regions": [],
        "priorities": "fk",
        "target_groups": ["governments", "host-communities"],
        "themes": ["climate-environment", "governance"],
        "partners": ["UNDP"],
        **_contact("tomas.herrera", "Tomás Herrera"),
    },
    {
        "agency": "IOM",
        "reference": "IOM-2027-003",
        "title": "Mapping the skills of the Somali diaspora for development",
        "description": (
            "A diaspora skills mapping to match professionals abroad with short-term "
            "assignments in Somali health and education institutions."
        ),
        "kind": "research",
        "status": "planned",
        "start_date": date(2027, 2, 1),
        "end_date": date(2027, 12, 31),
        "countries": ["SOM"],
        "regions": [],
        "priorities": "bg",
        "target_groups": ["diaspora"],
        "themes": ["skills", "development"],
        "partners": ["UNDP"],
        **_contact("amina.yusuf", "Amina Yusuf"),
    },
    {
        "agency": "IOM",
        "reference": "IOM-2025-058",
        "title": "Health assessments and referral for migrants in transit through Central America",
        "description": (
            "Mobile health teams at border and transit points offering primary care, mental "
            "health and psychosocial support, and referral to national health services."
        ),
        "kind": "programme",
        "status": "ongoing",
        "start_date": date(2025, 6, 1),
        "end_date": None,
        "countries": [],
        "regions": ["013"],
        "priorities": "d",
        "target_groups": ["women", "children"],
        "themes": ["health", "protection"],
        "partners": ["WHO", "UNICEF"],
        **_contact("tomas.herrera", "Tomás Herrera"),
    },
    {
        "agency": "IOM",
        "reference": "IOM-2026-045",
        "title": "New indicators on migrant children for the Global Migration Data Portal",
        "description": (
            "Compiling and publishing comparable indicators on migrant children from censuses "
            "and surveys, with metadata agreed with the partnership's members."
        ),
        "kind": "data_collection",
        "status": "ongoing",
        "start_date": date(2026, 6, 1),
        "end_date": None,
        "countries": [],
        "regions": ["001"],
        "priorities": "ab",
        "target_groups": ["children"],
        "themes": ["data-statistics"],
        "partners": ["UNICEF"],
        "initiative": "children-data",
        **_contact("amina.yusuf", "Amina Yusuf"),
    },
    # ILO
    {
        "agency": "ILO",
        "reference": "ILO-2026-009",
        # Overlaps with IOM-2026-014.
        "title": "Training of labour inspectors on fair recruitment in Nepal and Qatar",
        "description": (
            "A training course for labour inspectors in countries of origin and destination "
            "on the ILO General Principles and Operational Guidelines for Fair Recruitment, "
            "with joint inspection exercises."
        ),
        "kind": "training",
        "status": "ongoing",
        "start_date": date(2026, 1, 15),
        "end_date": date(2026, 12, 15),
        "countries": ["NPL", "QAT"],
        "regions": [],
        "priorities": "dl",
        "target_groups": ["governments", "migrant-workers"],
        "themes": ["labour-rights", "employment"],
        "partners": [],
        **_contact("kiran.thapa", "Kiran Thapa"),
    },
    {
        "agency": "ILO",
        "reference": "ILO-2024-112",
        "title": "Labour migration governance in the Colombo Process countries",
        "description": (
            "Support to the Colombo Process thematic area working groups on skills and "
            "qualification recognition, ethical recruitment and pre-departure orientation, "
            "including a ministerial background paper."
        ),
        "kind": "policy_dialogue",
        "status": "completed",
        "start_date": date(2024, 4, 1),
        "end_date": date(2025, 9, 30),
        "countries": ["BGD", "IND", "IDN", "NPL", "PAK", "PHL", "LKA", "VNM"],
        "regions": [],
        "priorities": "gk",
        "target_groups": ["governments", "migrant-workers"],
        "themes": ["governance", "employment"],
        "partners": ["IOM"],
        **_contact("claire.dubois", "Claire Dubois"),
    },
    {
        "agency": "ILO",
        "reference": "ILO-2025-040",
        "title": "Skills partnerships and recognition of qualifications in Southern Africa",
        "description": (
            "Supporting mutual recognition of qualifications for migrant workers in Southern "
            "Africa and its main countries of origin, with sector pilots in construction and "
            "health care."
        ),
        "kind": "technical_assistance",
        "status": "ongoing",
        "start_date": date(2025, 5, 1),
        "end_date": date(2027, 4, 30),
        "countries": ["ZWE", "MWI", "MOZ"],
        "regions": ["018"],
        "priorities": "gh",
        "target_groups": ["migrant-workers"],
        "themes": ["skills", "employment"],
        "partners": ["IOM", "UNESCO"],
        **_contact("kiran.thapa", "Kiran Thapa"),
    },
    {
        "agency": "ILO",
        "reference": "ILO-2026-031",
        "title": "Model employment contracts and complaint mechanisms in the Nepal–Gulf corridor",
        "description": (
            "Drafting standard employment contracts with the ministries of labour concerned "
            "and setting up complaint mechanisms reachable from both ends of the corridor."
        ),
        "kind": "programme",
        "status": "ongoing",
        "start_date": date(2026, 3, 1),
        "end_date": None,
        "countries": ["NPL", "QAT", "ARE", "SAU", "KWT"],
        "regions": [],
        "priorities": "dk",
        "target_groups": ["migrant-workers", "victims-of-exploitation"],
        "themes": ["labour-rights"],
        "partners": ["IOM", "UN Women"],
        "initiative": "fair-recruitment",
        **_contact("claire.dubois", "Claire Dubois"),
    },
    {
        "agency": "ILO",
        "reference": "ILO-2027-002",
        "title": "Global estimates on international migrant workers, fourth edition",
        "description": (
            "Updated global and regional estimates of international migrant workers by sex, "
            "age and economic sector, with a methodological annex."
        ),
        "kind": "publication",
        "status": "planned",
        "start_date": date(2027, 1, 15),
        "end_date": date(2027, 10, 31),
        "countries": [],
        "regions": ["001"],
        "priorities": "b",
        "target_groups": ["migrant-workers"],
        "themes": ["data-statistics", "employment"],
        "partners": ["UN DESA", "WB"],
        **_contact("kiran.thapa", "Kiran Thapa"),
    },
    # UNHCR
    {
        "agency": "UNHCR",
        "reference": "UNHCR-2026-017",
        # Overlaps with UNICEF-2026-008.
        "title": "Protection of unaccompanied and separated children on the Central Mediterranean "
        "route",
        "description": (
            "Identification, best-interests procedures and safe referral of unaccompanied "
            "and separated children in Libya and Tunisia and on arrival in Italy."
        ),
        "kind": "programme",
        "status": "ongoing",
        "start_date": date(2026, 1, 1),
        "end_date": date(2026, 12, 31),
        "countries": ["LBY", "TUN", "ITA"],
        "regions": [],
        "priorities": "d",
        "target_groups": ["children", "asylum-seekers", "refugees"],
        "themes": ["protection"],
        "partners": ["IOM"],
        **_contact("leila.karimi", "Leila Karimi"),
    },
    {
        "agency": "UNHCR",
        "reference": "UNHCR-2025-044",
        "title": "Inclusion of refugee children in national education systems in Chad and Uganda",
        "description": (
            "Technical support to ministries of education to enrol refugee children in "
            "national schools, certify prior learning and plan teacher deployment in "
            "refugee-hosting districts."
        ),
        "kind": "technical_assistance",
        "status": "ongoing",
        "start_date": date(2025, 9, 1),
        "end_date": date(2027, 8, 31),
        "countries": ["TCD", "UGA"],
        "regions": [],
        "priorities": "dh",
        "target_groups": ["refugees", "children", "host-communities"],
        "themes": ["education", "integration"],
        "partners": ["UNICEF", "UNESCO"],
        **_contact("jonas.lindqvist", "Jonas Lindqvist"),
    },
    {
        "agency": "UNHCR",
        "reference": "UNHCR-2024-203",
        "title": "Protection monitoring of mixed movements along the Eastern Route",
        "description": (
            "Protection monitoring interviews with people moving through Djibouti, Somalia "
            "and Yemen, documenting abuses and protection needs along the route."
        ),
        "kind": "data_collection",
        "status": "completed",
        "start_date": date(2024, 2, 1),
        "end_date": date(2025, 6, 30),
        "countries": ["DJI", "SOM", "YEM"],
        "regions": [],
        "priorities": "bd",
        "target_groups": ["asylum-seekers", "victims-of-trafficking"],
        "themes": ["protection", "data-statistics"],
        "partners": ["IOM"],
        **_contact("leila.karimi", "Leila Karimi"),
    },
    {
        "agency": "UNHCR",
        "reference": "UNHCR-2026-052",
        "title": "Regional coordination of the response for refugees and migrants from Venezuela",
        "description": (
            "Co-leading the regional inter-agency coordination platform: joint needs "
            "analysis, a regional response plan and support to national platforms in "
            "Colombia, Peru and Ecuador."
        ),
        "kind": "policy_dialogue",
        "status": "ongoing",
        "start_date": date(2026, 1, 1),
        "end_date": None,
        "countries": ["COL", "PER", "ECU"],
        "regions": ["005"],
        "priorities": "ci",
        "target_groups": ["refugees", "host-communities"],
        "themes": ["integration", "protection"],
        "partners": ["IOM", "UNICEF"],
        **_contact("jonas.lindqvist", "Jonas Lindqvist"),
    },
    # UNICEF
    {
        "agency": "UNICEF",
        "reference": "UNICEF-2026-008",
        # Overlaps with UNHCR-2026-017.
        "title": "Child protection along the Central Mediterranean route",
        "description": (
            "Strengthening child protection systems for children on the move in Libya, "
            "Tunisia and Italy: guardianship, case management and prevention of trafficking."
        ),
        "kind": "programme",
        "status": "ongoing",
        "start_date": date(2026, 2, 1),
        "end_date": date(2027, 1, 31),
        "countries": ["LBY", "TUN", "ITA"],
        "regions": [],
        "priorities": "d",
        "target_groups": ["children", "victims-of-trafficking"],
        "themes": ["protection", "trafficking-smuggling"],
        "partners": ["IOM"],
        **_contact("sofia.ramirez", "Sofía Ramírez"),
    },
    {
        "agency": "UNICEF",
        "reference": "UNICEF-2025-061",
        "title": "Birth registration for children of migrant workers in Malaysia and Thailand",
        "description": (
            "Supporting civil registration authorities to register births of children born "
            "to migrant workers, regardless of their parents' status."
        ),
        "kind": "technical_assistance",
        "status": "ongoing",
        "start_date": date(2025, 4, 1),
        "end_date": date(2026, 12, 31),
        "countries": ["MYS", "THA"],
        "regions": [],
        "priorities": "d",
        "target_groups": ["children", "migrant-workers"],
        "themes": ["human-rights"],
        "partners": [],
        **_contact("yusuf.demir", "Yusuf Demir"),
    },
    {
        "agency": "UNICEF",
        "reference": "UNICEF-2024-019",
        "title": "Alternatives to immigration detention for children in Mexico and Central America",
        "description": (
            "Advocacy and technical support for family- and community-based care as an "
            "alternative to detaining migrant children."
        ),
        "kind": "advocacy",
        "status": "completed",
        "start_date": date(2024, 3, 1),
        "end_date": date(2025, 11, 30),
        "countries": ["MEX", "GTM", "HND", "SLV"],
        "regions": [],
        "priorities": "di",
        "target_groups": ["children"],
        "themes": ["human-rights", "protection"],
        "partners": ["UNHCR", "OHCHR"],
        **_contact("yusuf.demir", "Yusuf Demir"),
    },
    {
        "agency": "UNICEF",
        "reference": "UNICEF-2027-004",
        "title": "Harmonising age-disaggregated statistics on children on the move",
        "description": (
            "Guidance and country support for disaggregating migration and displacement "
            "statistics by age, in line with the international recommendations."
        ),
        "kind": "data_collection",
        "status": "planned",
        "start_date": date(2027, 1, 1),
        "end_date": date(2027, 12, 31),
        "countries": [],
        "regions": ["001"],
        "priorities": "b",
        "target_groups": ["children"],
        "themes": ["data-statistics"],
        "partners": ["IOM", "UNHCR", "UN DESA"],
        "initiative": "children-data",
        **_contact("sofia.ramirez", "Sofía Ramírez"),
    },
    # UNDP
    {
        "agency": "UNDP",
        "reference": "UNDP-2025-027",
        "title": "Community-based reintegration of returnees in Niger and Mali",
        "description": (
            "Livelihood projects in communities of return that benefit returnees and "
            "residents alike, planned with local authorities."
        ),
        "kind": "programme",
        "status": "ongoing",
        "start_date": date(2025, 7, 1),
        "end_date": date(2027, 6, 30),
        "countries": ["NER", "MLI"],
        "regions": [],
        "priorities": "hk",
        "target_groups": ["returnees", "host-communities"],
        "themes": ["return-reintegration", "development"],
        "partners": ["IOM"],
        **_contact("ravi.menon", "Ravi Menon"),
    },
    {
        "agency": "UNDP",
        "reference": "UNDP-2026-015",
        "title": "Mainstreaming migration into national development plans in Central Asia",
        "description": (
            "Helping the planning ministries of Kyrgyzstan and Tajikistan reflect labour "
            "emigration and remittances in their national development strategies."
        ),
        "kind": "technical_assistance",
        "status": "ongoing",
        "start_date": date(2026, 1, 1),
        "end_date": date(2027, 12, 31),
        "countries": ["KGZ", "TJK"],
        "regions": [],
        "priorities": "ch",
        "target_groups": ["governments"],
        "themes": ["development", "governance"],
        "partners": ["IOM"],
        **_contact("fatou.ndiaye", "Fatou Ndiaye"),
    },
    {
        "agency": "UNDP",
        "reference": "UNDP-2024-066",
        "title": "Diaspora investment in local development: a pilot in the Republic of Moldova",
        "description": (
            "Matching grants for diaspora investment in municipal infrastructure and small "
            "businesses in hometown associations' localities."
        ),
        "kind": "programme",
        "status": "completed",
        "start_date": date(2024, 1, 1),
        "end_date": date(2025, 12, 31),
        "countries": ["MDA"],
        "regions": [],
        "priorities": "fg",
        "target_groups": ["diaspora"],
        "themes": ["financial-flows", "development"],
        "partners": [],
        **_contact("ravi.menon", "Ravi Menon"),
    },
    {
        "agency": "UNDP",
        "reference": "UNDP-2027-001",
        "title": "Integrating human mobility into climate adaptation plans in the Sahel",
        "description": (
            "Support to Burkina Faso, Mali and Niger to address climate-related mobility in "
            "their national adaptation plans."
        ),
        "kind": "technical_assistance",
        "status": "planned",
        "start_date": date(2027, 1, 1),
        "end_date": date(2027, 12, 31),
        "countries": ["BFA", "MLI", "NER"],
        "regions": [],
        "priorities": "fk",
        "target_groups": ["governments", "host-communities"],
        "themes": ["climate-environment", "development"],
        "partners": ["IOM", "FAO"],
        **_contact("fatou.ndiaye", "Fatou Ndiaye"),
    },
    # World Bank
    {
        "agency": "WB",
        "reference": "WB-2025-012",
        # Overlaps with UNCTAD-2026-007.
        "title": "Regional survey of remittance costs in West Africa",
        "description": (
            "Mystery-shopping survey of the cost of sending remittances to and within "
            "Western African countries, by provider type and channel."
        ),
        "kind": "research",
        "status": "ongoing",
        "start_date": date(2025, 10, 1),
        "end_date": date(2026, 12, 31),
        "countries": [],
        "regions": ["011"],
        "priorities": "b",
        "target_groups": ["diaspora", "families-left-behind"],
        "themes": ["financial-flows", "data-statistics"],
        "partners": [],
        **_contact("kwame.osei", "Kwame Osei"),
    },
    {
        "agency": "WB",
        "reference": "WB-2026-003",
        "title": "Working papers on labour mobility and development (KNOMAD)",
        "description": (
            "A series of working papers from the Global Knowledge Partnership on Migration "
            "and Development on labour mobility, skills and remittances."
        ),
        "kind": "publication",
        "status": "ongoing",
        "start_date": date(2026, 1, 1),
        "end_date": None,
        "countries": [],
        "regions": ["001"],
        "priorities": "bf",
        "target_groups": ["migrant-workers"],
        "themes": ["development", "employment", "skills"],
        "partners": ["ILO", "IOM"],
        **_contact("kwame.osei", "Kwame Osei"),
    },
    {
        "agency": "WB",
        "reference": "WB-2024-038",
        "title": "Labour mobility pathways between Pacific Island countries and Australia and "
        "New Zealand",
        "description": (
            "A study of seasonal and longer-term labour mobility schemes and their effects "
            "on households in Tonga, Samoa and Vanuatu."
        ),
        "kind": "research",
        "status": "completed",
        "start_date": date(2024, 6, 1),
        "end_date": date(2025, 8, 31),
        "countries": ["TON", "WSM", "VUT"],
        "regions": ["053"],
        "priorities": "f",
        "target_groups": ["migrant-workers", "families-left-behind"],
        "themes": ["employment", "skills"],
        "partners": [],
        **_contact("kwame.osei", "Kwame Osei"),
    },
    # UNCTAD
    {
        "agency": "UNCTAD",
        "reference": "UNCTAD-2026-007",
        # Overlaps with WB-2025-012.
        "title": "Cutting the cost of sending money home in ECOWAS countries",
        "description": (
            "An analysis of remittance transfer prices in the main corridors into Senegal, "
            "Ghana, Nigeria, Côte d'Ivoire, Mali and Burkina Faso, and policy options to "
            "lower them through digital payments."
        ),
        "kind": "research",
        "status": "ongoing",
        "start_date": date(2026, 1, 15),
        "end_date": date(2027, 3, 31),
        "countries": ["SEN", "GHA", "NGA", "CIV", "MLI", "BFA"],
        "regions": [],
        "priorities": "bg",
        "target_groups": ["diaspora", "families-left-behind"],
        "themes": ["financial-flows", "trade"],
        "partners": [],
        **_contact("ines.moreau", "Inès Moreau"),
    },
    {
        "agency": "UNCTAD",
        "reference": "UNCTAD-2025-019",
        "title": "Temporary movement of service suppliers in trade agreements",
        "description": (
            "Policy dialogue on commitments on the temporary movement of natural persons in "
            "regional trade agreements and their effect on labour mobility."
        ),
        "kind": "policy_dialogue",
        "status": "completed",
        "start_date": date(2025, 2, 1),
        "end_date": date(2025, 11, 30),
        "countries": [],
        "regions": ["001"],
        "priorities": "fg",
        "target_groups": ["governments"],
        "themes": ["trade", "skills"],
        "partners": ["ILO"],
        **_contact("ines.moreau", "Inès Moreau"),
    },
    # UN DESA
    {
        "agency": "UN DESA",
        "reference": "DESA-2026-011",
        # Overlaps with UNFPA-2026-006.
        "title": "Strengthening national capacities for migration statistics in Central Asia",
        "description": (
            "Training for national statistical offices on measuring international migration "
            "from censuses, surveys and administrative sources."
        ),
        "kind": "training",
        "status": "ongoing",
        "start_date": date(2026, 3, 1),
        "end_date": date(2027, 2, 28),
        "countries": [],
        "regions": ["143"],
        "priorities": "bl",
        "target_groups": ["governments"],
        "themes": ["data-statistics"],
        "partners": ["UNRCs"],
        **_contact("wei.zhang", "Wei Zhang"),
    },
    {
        "agency": "UN DESA",
        "reference": "DESA-2024-030",
        "title": "International Migrant Stock 2024: data release and methodology",
        "description": (
            "Release of estimates of international migrants by age, sex and origin for all "
            "countries and areas, with a methodology note."
        ),
        "kind": "publication",
        "status": "completed",
        "start_date": date(2024, 3, 1),
        "end_date": date(2025, 1, 15),
        "countries": [],
        "regions": ["001"],
        "priorities": "be",
        "target_groups": [],
        "themes": ["data-statistics"],
        "partners": [],
        **_contact("wei.zhang", "Wei Zhang"),
    },
    {
        "agency": "UN DESA",
        "reference": "DESA-2025-024",
        "title": "Substantive preparations for the 2026 International Migration Review Forum",
        "description": (
            "Background papers, regional review summaries and inputs to the report of the "
            "Secretary-General ahead of the second International Migration Review Forum."
        ),
        "kind": "policy_dialogue",
        "status": "completed",
        "start_date": date(2025, 9, 1),
        "end_date": date(2026, 5, 31),
        "countries": [],
        "regions": ["001"],
        "priorities": "ce",
        "target_groups": ["governments"],
        "themes": ["governance"],
        "partners": ["IOM"],
        **_contact("wei.zhang", "Wei Zhang"),
    },
    # UNFPA
    {
        "agency": "UNFPA",
        "reference": "UNFPA-2026-006",
        # Overlaps with DESA-2026-011.
        "title": "Improving census-based migration data in Kazakhstan, Kyrgyzstan and Tajikistan",
        "description": (
            "Support to census offices to add and process questions on place of birth, "
            "citizenship and emigrated household members."
        ),
        "kind": "data_collection",
        "status": "ongoing",
        "start_date": date(2026, 2, 1),
        "end_date": date(2027, 1, 31),
        "countries": ["KAZ", "KGZ", "TJK"],
        "regions": [],
        "priorities": "b",
        "target_groups": ["governments"],
        "themes": ["data-statistics"],
        "partners": [],
        **_contact("nadia.petrova", "Nadia Petrova"),
    },
    {
        "agency": "UNFPA",
        "reference": "UNFPA-2025-033",
        "title": "Sexual and reproductive health services for refugee and migrant women in Türkiye",
        "description": (
            "Women and girls safe spaces and mobile clinics offering reproductive health care "
            "and gender-based violence response."
        ),
        "kind": "programme",
        "status": "ongoing",
        "start_date": date(2025, 1, 1),
        "end_date": None,
        "countries": ["TUR"],
        "regions": [],
        "priorities": "d",
        "target_groups": ["women", "refugees"],
        "themes": ["health", "protection"],
        "partners": ["UNHCR"],
        **_contact("nadia.petrova", "Nadia Petrova"),
    },
    # UNODC
    {
        "agency": "UNODC",
        "reference": "UNODC-2025-015",
        "title": "Countering the smuggling of migrants along the Western Balkans route",
        "description": (
            "Joint training of prosecutors, police and border officials on investigating "
            "smuggling networks while protecting the rights of smuggled migrants."
        ),
        "kind": "training",
        "status": "ongoing",
        "start_date": date(2025, 5, 1),
        "end_date": date(2026, 12, 31),
        "countries": ["SRB", "BIH", "MKD", "ALB"],
        "regions": [],
        "priorities": "dk",
        "target_groups": ["governments", "victims-of-trafficking"],
        "themes": ["trafficking-smuggling", "border-management"],
        "partners": ["IOM"],
        **_contact("marco.bianchi", "Marco Bianchi"),
    },
    {
        "agency": "UNODC",
        "reference": "UNODC-2027-005",
        "title": "Criminal justice responses to trafficking in persons in Nigeria and Ghana",
        "description": (
            "Mentoring of specialised prosecution units and victim-centred guidance for "
            "trafficking cases involving women recruited for work abroad."
        ),
        "kind": "training",
        "status": "planned",
        "start_date": date(2027, 1, 15),
        "end_date": date(2027, 12, 31),
        "countries": ["NGA", "GHA"],
        "regions": [],
        "priorities": "dk",
        "target_groups": ["victims-of-trafficking", "women"],
        "themes": ["trafficking-smuggling"],
        "partners": ["IOM", "UN Women"],
        **_contact("marco.bianchi", "Marco Bianchi"),
    },
    {
        "agency": "UNODC",
        "reference": "UNODC-2024-044",
        "title": "Regional workshop on the smuggling of migrants by sea in the Gulf of Aden",
        "description": (
            "A regional workshop for coast guards and prosecutors; cancelled when travel to "
            "the venue could not be secured."
        ),
        "kind": "event",
        "status": "cancelled",
        "start_date": date(2024, 10, 14),
        "end_date": date(2024, 10, 16),
        "countries": ["DJI", "YEM", "SOM"],
        "regions": [],
        "priorities": "dk",
        "target_groups": ["governments"],
        "themes": ["trafficking-smuggling", "border-management"],
        "partners": [],
        **_contact("marco.bianchi", "Marco Bianchi"),
    },
    # UN Women
    {
        "agency": "UN Women",
        "reference": "UNW-2026-010",
        "title": "Gender-responsive labour migration policies for women domestic workers in the "
        "Gulf",
        "description": (
            "Policy dialogue with Gulf Cooperation Council labour ministries on coverage of "
            "domestic workers by labour law, and pre-departure orientation for women in "
            "Nepal and Sri Lanka."
        ),
        "kind": "policy_dialogue",
        "status": "ongoing",
        "start_date": date(2026, 4, 1),
        "end_date": date(2027, 3, 31),
        "countries": ["SAU", "ARE", "KWT", "QAT", "NPL", "LKA"],
        "regions": [],
        "priorities": "dg",
        "target_groups": ["women", "migrant-workers"],
        "themes": ["labour-rights", "human-rights"],
        "partners": ["ILO"],
        "initiative": "fair-recruitment",
        **_contact("priya.raman", "Priya Raman"),
    },
    {
        "agency": "UN Women",
        "reference": "UNW-2024-022",
        "title": "Gender-responsive implementation of the Global Compact for Migration in Latin "
        "America and the Caribbean",
        "description": (
            "Technical support to national migration authorities to integrate gender "
            "analysis into their Global Compact implementation plans."
        ),
        "kind": "technical_assistance",
        "status": "completed",
        "start_date": date(2024, 5, 1),
        "end_date": date(2025, 10, 31),
        "countries": [],
        "regions": ["419"],
        "priorities": "ch",
        "target_groups": ["women", "governments"],
        "themes": ["governance", "human-rights"],
        "partners": [],
        **_contact("priya.raman", "Priya Raman"),
    },
    # WHO
    {
        "agency": "WHO",
        "reference": "WHO-2026-005",
        "title": "Global competency standards for health workers on refugee and migrant health",
        "description": (
            "A training package for health workers based on the refugee and migrant health "
            "competency standards, piloted with national training institutes."
        ),
        "kind": "training",
        "status": "ongoing",
        "start_date": date(2026, 1, 1),
        "end_date": None,
        "countries": [],
        "regions": ["001"],
        "priorities": "dl",
        "target_groups": ["refugees", "migrant-workers"],
        "themes": ["health"],
        "partners": [],
        **_contact("johan.berg", "Johan Berg"),
    },
    {
        "agency": "WHO",
        "reference": "WHO-2025-026",
        "title": "Occupational health of migrant construction workers in the Gulf",
        "description": (
            "Research on heat stress and occupational injuries among migrant construction "
            "workers in Qatar, Saudi Arabia, the United Arab Emirates and Kuwait."
        ),
        "kind": "research",
        "status": "ongoing",
        "start_date": date(2025, 11, 1),
        "end_date": date(2026, 12, 31),
        "countries": ["QAT", "SAU", "ARE", "KWT"],
        "regions": [],
        "priorities": "bd",
        "target_groups": ["migrant-workers"],
        "themes": ["health", "labour-rights"],
        "partners": ["ILO"],
        **_contact("johan.berg", "Johan Berg"),
    },
    # FAO
    {
        "agency": "FAO",
        "reference": "FAO-2026-012",
        "title": "Rural youth migration and agricultural employment in Ethiopia and Kenya",
        "description": (
            "A study of the drivers of rural youth migration and of agricultural value "
            "chains that can offer decent work at home."
        ),
        "kind": "research",
        "status": "ongoing",
        "start_date": date(2026, 3, 1),
        "end_date": date(2027, 2, 28),
        "countries": ["ETH", "KEN"],
        "regions": [],
        "priorities": "fg",
        "target_groups": ["families-left-behind"],
        "themes": ["employment", "development"],
        "partners": [],
        **_contact("lucia.ferreira", "Lúcia Ferreira"),
    },
    # OHCHR
    {
        "agency": "OHCHR",
        "reference": "OHCHR-2025-009",
        "title": "Human rights at international borders in the Mediterranean",
        "description": (
            "Advocacy with States of Southern Europe and Northern Africa on the Recommended "
            "Principles and Guidelines on Human Rights at International Borders."
        ),
        "kind": "advocacy",
        "status": "ongoing",
        "start_date": date(2025, 4, 1),
        "end_date": None,
        "countries": [],
        "regions": ["039", "015"],
        "priorities": "di",
        "target_groups": ["asylum-seekers", "stranded-migrants"],
        "themes": ["human-rights", "border-management"],
        "partners": ["UNHCR"],
        **_contact("omar.saleh", "Omar Saleh"),
    },
    # UNESCO
    {
        "agency": "UNESCO",
        "reference": "UNESCO-2024-014",
        "title": "Access to schooling for migrant and refugee children: a global monitoring report",
        "description": (
            "A thematic report on the education of migrant and displaced children, with "
            "country profiles and policy recommendations."
        ),
        "kind": "publication",
        "status": "completed",
        "start_date": date(2024, 1, 1),
        "end_date": date(2024, 12, 31),
        "countries": [],
        "regions": ["001"],
        "priorities": "b",
        "target_groups": ["children", "refugees"],
        "themes": ["education"],
        "partners": [],
        **_contact("hana.suzuki", "Hana Suzuki"),
    },
]
