"""The major processes priority (e) names, with the meetings held so far, from their public
records: the General Assembly's High-level Dialogues (the UN's pages on them) and the Global
Forum on Migration and Development (its meeting pages and the hosts' announcements). The
secretariat adds the rest in the portal.

Dates are those published for each meeting, civil society days included where the published
span includes them. Only meetings whose place and dates are on record are listed; a website
is given only where the address is the meeting's own.
"""

import datetime

from django.db import migrations

D = datetime.date

PROCESSES = [
    {
        "slug": "hld",
        "name": "High-level Dialogue on International Migration and Development",
        "acronym": "HLD",
        "kind": "un_intergovernmental",
        "website": "",
        "description": (
            "Meetings of the United Nations General Assembly devoted to international "
            "migration and development. The Assembly decided the first in resolution 58/208 "
            "(2003) and held it in September 2006; the Global Forum on Migration and "
            "Development grew out of it. The second, decided in resolution 63/225 (2008), was "
            "held in October 2013 and adopted a Declaration."
        ),
        "events": [
            {
                "title": "First High-level Dialogue on International Migration and Development",
                "place": "New York, United States (UN Headquarters)",
                "start_date": D(2006, 9, 14),
                "end_date": D(2006, 9, 15),
                "website": "https://www.un.org/migration/",
                "description": (
                    "The first plenary meeting of the General Assembly on international "
                    "migration and development, at its sixty-first session: a plenary debate "
                    "and round tables. Its outcome is the summary of the President of the "
                    "General Assembly (A/61/515)."
                ),
            },
            {
                "title": "Second High-level Dialogue on International Migration and Development",
                "place": "New York, United States (UN Headquarters)",
                "start_date": D(2013, 10, 3),
                "end_date": D(2013, 10, 4),
                "website": "https://www.un.org/en/ga/68/meetings/migration/",
                "description": (
                    "Held at the sixty-eighth session of the General Assembly under the theme "
                    "“Making Migration Work”, with four round tables. Member States adopted "
                    "the Declaration of the High-level Dialogue at its opening. The "
                    "Secretary-General's report for it (A/68/190) was prepared with inputs "
                    "from the Global Migration Group."
                ),
            },
        ],
    },
    {
        "slug": "gfmd",
        "name": "Global Forum on Migration and Development",
        "acronym": "GFMD",
        "kind": "state_led",
        "website": "https://www.gfmd.org",
        "description": (
            "An informal, voluntary, non-binding and state-led process open to all Member "
            "States of the United Nations, set up after the 2006 High-level Dialogue. Its "
            "chair changes, as a rule every year, and hosts its meeting; civil society days "
            "precede the government meeting."
        ),
        "events": [
            {
                "title": "First GFMD Meeting",
                "place": "Brussels, Belgium",
                "start_date": D(2007, 7, 9),
                "end_date": D(2007, 7, 11),
                "website": "https://www.gfmd.org/meetings/belgium2007",
                "description": (
                    "Hosted by Belgium, the first chair: a civil society day, then two days "
                    "of government meetings."
                ),
            },
            {
                "title": "Second GFMD Meeting",
                "place": "Manila, Philippines",
                "start_date": D(2008, 10, 27),
                "end_date": D(2008, 10, 30),
                "description": (
                    "Chair: the Philippines. Civil society days on 27–28 October, government "
                    "meeting on 29–30 October."
                ),
            },
            {
                "title": "Third GFMD Meeting",
                "place": "Athens, Greece",
                "start_date": D(2009, 11, 2),
                "end_date": D(2009, 11, 5),
                "description": (
                    "Chair: Greece. Civil society days on 2–3 November, government meeting on "
                    "4–5 November."
                ),
            },
            {
                "title": "Fourth GFMD Meeting",
                "place": "Puerto Vallarta, Mexico",
                "start_date": D(2010, 11, 8),
                "end_date": D(2010, 11, 11),
                "description": ("Chair: Mexico. Civil society days, then the government meeting."),
            },
            {
                "title": "GFMD 2011 Concluding Debate",
                "place": "Geneva, Switzerland",
                "start_date": D(2011, 12, 1),
                "end_date": D(2011, 12, 2),
                "description": (
                    "Chair: Switzerland, which held smaller thematic meetings around the world "
                    "in 2011 instead of a single annual meeting, and concluded the year with "
                    "this debate."
                ),
            },
            {
                "title": "Sixth GFMD Summit Meeting",
                "place": "Port Louis, Mauritius",
                "start_date": D(2012, 11, 19),
                "end_date": D(2012, 11, 22),
                "website": "https://www.gfmd.org/meetings/mauritius2012",
                "description": (
                    "Chair: Mauritius. Civil society days on 19–20 November, government "
                    "meeting on 21–22 November."
                ),
            },
            {
                "title": "GFMD 2013–2014 Forum Meeting",
                "place": "Stockholm, Sweden",
                "start_date": D(2014, 5, 14),
                "end_date": D(2014, 5, 16),
                "description": (
                    "The seventh meeting, closing the chairmanship of Sweden (January 2013 to "
                    "June 2014); no summit was held in 2013, the year of the second "
                    "High-level Dialogue. Civil society days on 12–13 May."
                ),
            },
            {
                "title": "Eighth GFMD Summit Meeting",
                "place": "Istanbul, Turkey",
                "start_date": D(2015, 10, 14),
                "end_date": D(2015, 10, 16),
                "description": (
                    "Chair: Turkey, from July 2014. Civil society days on 12–13 October."
                ),
            },
            {
                "title": "Ninth GFMD Summit Meeting",
                "place": "Dhaka, Bangladesh",
                "start_date": D(2016, 12, 10),
                "end_date": D(2016, 12, 12),
                "description": "Chair: Bangladesh.",
            },
            {
                "title": "Tenth GFMD Summit Meeting",
                "place": "Berlin, Germany",
                "start_date": D(2017, 6, 28),
                "end_date": D(2017, 6, 30),
                "description": "The first summit of the co-chairmanship of Germany and Morocco "
                "(2017–2018).",
            },
            {
                "title": "Eleventh GFMD Summit Meeting",
                "place": "Marrakesh, Morocco",
                "start_date": D(2018, 12, 5),
                "end_date": D(2018, 12, 7),
                "description": (
                    "The second summit of the co-chairmanship of Germany and Morocco, held "
                    "days before the Intergovernmental Conference that adopted the Global "
                    "Compact for Safe, Orderly and Regular Migration in Marrakesh on "
                    "10–11 December 2018."
                ),
            },
            {
                "title": "Twelfth GFMD Summit Meeting",
                "place": "Quito, Ecuador",
                "start_date": D(2020, 1, 20),
                "end_date": D(2020, 1, 24),
                "description": (
                    "Chair: Ecuador (2019). Planned for November 2019 and postponed to "
                    "January 2020."
                ),
            },
        ],
    },
]


def load(apps, schema_editor):
    Process = apps.get_model("processes", "Process")
    Event = apps.get_model("processes", "Event")
    for spec in PROCESSES:
        spec = dict(spec)
        events = spec.pop("events")
        slug = spec.pop("slug")
        process, _created = Process.objects.update_or_create(slug=slug, defaults=spec)
        for event in events:
            event = {"website": "", **event}
            title = event.pop("title")
            Event.objects.update_or_create(process=process, title=title, defaults=event)


class Migration(migrations.Migration):
    dependencies = [("processes", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
