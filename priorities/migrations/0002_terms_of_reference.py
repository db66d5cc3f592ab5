"""The twelve priorities, word for word from the GMG Terms of Reference."""

from django.db import migrations

# (code, short title, group, text of the Terms of Reference)
PRIORITIES = [
    (
        "a",
        "Information exchange, synergies, no duplication",
        "key",
        "Exchanging information and expertise to improve understanding, inter-agency cooperation and collaboration so as to promote synergies and avoid duplication;",
    ),
    (
        "b",
        "Research, data collection and analysis",
        "key",
        "Exchanging results and pooling efforts in regard to research, data collection and analysis;",
    ),
    (
        "c",
        "A coherent institutional response",
        "key",
        "Establishing a comprehensive and coherent approach in the overall institutional response to international migration;",
    ),
    (
        "d",
        "Human and labour rights of migrants",
        "key",
        "Working to ensure the full respect for the human rights and labour rights of international migrants so as to promote human security and development and, in particular, provide protection to vulnerable migrants, including asylum-seekers, refugees, stranded migrants and victims of exploitation and trafficking;",
    ),
    (
        "e",
        "The High Level Dialogue and global initiatives",
        "key",
        "Contributing to the General Assembly High Level Dialogue on Migration and Development, the follow-up to the recommendations of the Global Commission on International Migration and other major initiatives of the international community and GMG members;",
    ),
    (
        "f",
        "Issues, gaps and good practice",
        "key",
        "Identifying critical issues, opportunities, challenges, weaknesses, gaps and best practices in relation to international migration and its interrelations with development.",
    ),
    (
        "g",
        "Leadership on migration governance",
        "engaged",
        "Providing system-wide direction and leadership so as to promote interest, dialogue and debate on issues relevant for the governance of international migration and for its contributions to development, including its interrelations with employment, trade, financial flows, education and the distribution of skills;",
    ),
    (
        "h",
        "Consistent policy and programmes",
        "engaged",
        "Contributing to greater consistency in policy formulation and programme implementation;",
    ),
    (
        "i",
        "Common positions, responses and actions",
        "engaged",
        "Agreeing on common positions, responses and actions in addressing specific situations or developments;",
    ),
    (
        "j",
        "Mechanisms to interact with States",
        "engaged",
        "Finding appropriate mechanisms to interact with States;",
    ),
    (
        "k",
        "Support to States and regional processes",
        "engaged",
        "Supporting the efforts of individual States, regional bodies, regional and global consultative processes to address specific migration issues; and",
    ),
    (
        "l",
        "Joint training and inter-agency transfers",
        "engaged",
        "Developing joint activities to improve expertise, including through training programmes, capacity building and inter-agency transfers.",
    ),
]

TARGET_GROUPS = [
    ("asylum-seekers", "Asylum-seekers"),
    ("refugees", "Refugees"),
    ("stranded-migrants", "Stranded migrants"),
    ("victims-of-trafficking", "Victims of trafficking"),
    ("victims-of-exploitation", "Victims of exploitation"),
    ("migrant-workers", "Migrant workers"),
    ("children", "Children"),
    ("women", "Women"),
    ("internally-displaced", "Internally displaced persons"),
    ("returnees", "Returning migrants"),
    ("diaspora", "Diaspora"),
    ("families-left-behind", "Families left behind"),
    ("host-communities", "Host communities"),
    ("governments", "Governments and officials"),
]

THEMES = [
    ("employment", "Employment"),
    ("trade", "Trade"),
    ("financial-flows", "Financial flows and remittances"),
    ("education", "Education"),
    ("skills", "Distribution of skills"),
    ("development", "Migration and development"),
    ("governance", "Migration governance"),
    ("human-rights", "Human rights"),
    ("labour-rights", "Labour rights"),
    ("protection", "Protection"),
    ("trafficking-smuggling", "Trafficking and smuggling"),
    ("health", "Health"),
    ("climate-environment", "Climate and environment"),
    ("data-statistics", "Data and statistics"),
    ("return-reintegration", "Return and reintegration"),
    ("integration", "Integration and social cohesion"),
    ("border-management", "Border management"),
]


def load(apps, schema_editor):
    Priority = apps.get_model("priorities", "Priority")
    TargetGroup = apps.get_model("priorities", "TargetGroup")
    Theme = apps.get_model("priorities", "Theme")
    for code, short_title, group, text in PRIORITIES:
        Priority.objects.update_or_create(
            code=code, defaults={"short_title": short_title, "group": group, "text": text}
        )
    for model, rows in ((TargetGroup, TARGET_GROUPS), (Theme, THEMES)):
        for slug, name in rows:
            model.objects.update_or_create(slug=slug, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("priorities", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
