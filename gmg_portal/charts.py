"""What the coverage map and charts draw: colour steps, shapes, bars and their labels.

The numbers come from activities.coverage (SQL); this module only lays them out, in
viewBox units, for templates that write the SVG with Django's ordinary escaping.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext, ngettext

from activities import coverage
from geo import shapes

# The colour steps of a number (portal.css .cov-0 to .cov-5): 0 for none, then five even steps.
COVERAGE_STEPS = 5


def step(n, maximum):
    if not n or not maximum:
        return 0
    return max(1, -(-n * COVERAGE_STEPS // maximum))


def legend(maximum):
    """[(step, lowest, highest)]: the numbers each colour stands for; empty steps left out."""
    found = [(0, 0, 0)]
    for k in range(1, COVERAGE_STEPS + 1):
        # step(n) == k exactly for maximum·(k−1)/5 < n ≤ maximum·k/5.
        low, high = maximum * (k - 1) // COVERAGE_STEPS + 1, maximum * k // COVERAGE_STEPS
        if low <= high:
            found.append((k, low, high))
    return found


# -- the map ---------------------------------------------------------------------------------


@dataclass
class Place:
    code: str
    name: str
    d: str = ""  # SVG path data; empty for a country the shapes do not draw
    activities: int = 0
    step: int = 0
    url: str = ""  # the activity list behind the number; only where there is one
    title: str = ""  # what hovering or focusing the shape tells


@dataclass
class Map:
    width: int
    height: int
    shapes: list  # every drawn unit: Places with data last, so that they are drawn on top
    table: list  # the Places with data, by name (the table alternative)
    off_map: list  # of those, the ones the map does not draw
    maximum: int = 0
    legend: list = field(default_factory=list)


def country_map(countries, counts, start=None, end=None):
    """The map of `counts` ({iso3: activities}) over `countries` ({iso3: Country})."""
    world = shapes.world()
    maximum = max(counts.values(), default=0)
    places = {}
    # Titles made here rather than in the template: a map has some 250 of them.
    for code, d in world.outlines.items():
        country = countries.get(code)
        name = country.name if country else world.names[code]
        title = gettext("%(name)s: no activity") % {"name": name}
        places[code] = Place(code, name, d, title=title)
    urls = coverage.period_urls("country", counts, start, end)
    for code, n in counts.items():
        place = places.get(code) or Place(code, countries[code].name)
        place.activities, place.step, place.url = n, step(n, maximum), urls[code]
        place.title = ngettext("%(name)s: %(n)s activity", "%(name)s: %(n)s activities", n) % {
            "name": place.name,
            "n": n,
        }
        places[code] = place
    with_data = sorted((p for p in places.values() if p.activities), key=lambda p: p.name)
    return Map(
        width=world.width,
        height=world.height,
        shapes=sorted((p for p in places.values() if p.d), key=lambda p: p.activities > 0),
        table=with_data,
        off_map=[p for p in with_data if not p.d],
        maximum=maximum,
        legend=legend(maximum),
    )


# -- bar charts ------------------------------------------------------------------------------


@dataclass
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    url: str
    item: object = None  # what the bar stands for (an agency, a quarter)
    # Where its number is written: after a horizontal bar, above a vertical one.
    text_x: float = 0
    text_y: float = 0


# Agencies: one horizontal bar per agency, its acronym on the left, its number at its end.
AGENCY_LABEL_WIDTH = 110
AGENCY_BAR_SPACE = 380  # the longest bar; room for its number after it
AGENCY_ROW = 24
AGENCY_BAR = 16


@dataclass
class AgencyChart:
    bars: list
    width: int = AGENCY_LABEL_WIDTH + AGENCY_BAR_SPACE + 70
    height: int = 0
    label_x: int = AGENCY_LABEL_WIDTH - 8  # the acronyms end there, left of the bars
    maximum: int = 0


def agency_chart(rows, start=None, end=None):
    """Horizontal bars for [(agency, activities)], in the order given."""
    maximum = max((n for _a, n in rows), default=0)
    chart = AgencyChart(bars=[], height=len(rows) * AGENCY_ROW + 8, maximum=maximum)
    urls = coverage.period_urls("agency", [a.slug for a, _n in rows], start, end)
    for i, (agency, n) in enumerate(rows):
        length = AGENCY_BAR_SPACE * n / maximum if maximum else 0
        y = 4 + i * AGENCY_ROW + (AGENCY_ROW - AGENCY_BAR) / 2
        chart.bars.append(
            Bar(
                label=agency.acronym,
                value=n,
                x=AGENCY_LABEL_WIDTH,
                y=y,
                width=round(length, 1),
                height=AGENCY_BAR,
                url=urls[agency.slug],
                item=agency,
                text_x=round(AGENCY_LABEL_WIDTH + length + 6, 1),
                text_y=round(y + AGENCY_BAR - 3, 1),
            )
        )
    return chart


# Priorities over time: one small panel per priority, all on the same scale.
PANEL_WIDTH = 240
PANEL_HEIGHT = 120
PANEL_TOP = 18  # room for the peak's number above the highest bar
PANEL_BOTTOM = 22  # room for the first and last quarters' names
PANEL_GAP = 0.25  # of a bar's slot, between two bars


@dataclass
class Panel:
    priority: object
    counts: list
    bars: list
    peak: int = 0  # the highest number of this panel, written above its bar
    peak_bar: object = None
    last_bar: object = None
    label_last: bool = False  # the last quarter's number too, where it does not crowd the peak


@dataclass
class QuarterChart:
    quarters: list
    panels: list
    maximum: int = 0
    width: int = PANEL_WIDTH
    height: int = PANEL_HEIGHT
    baseline: int = PANEL_HEIGHT - PANEL_BOTTOM
    tick_y: int = PANEL_HEIGHT - 6  # the quarters' names under the bars
    truncated: bool = False


def quarter_chart(rows, shown, truncated=False):
    """Small multiples: for each (priority, [count per quarter]) a panel of bars."""
    maximum = max((n for _p, counts in rows for n in counts), default=0)
    slot = PANEL_WIDTH / max(len(shown), 1)
    space = PANEL_HEIGHT - PANEL_TOP - PANEL_BOTTOM
    baseline = PANEL_HEIGHT - PANEL_BOTTOM
    codes = [priority.code for priority, _counts in rows]
    urls = [coverage.period_urls("priority", codes, q.start, q.end) for q in shown]
    panels = []
    for priority, counts in rows:
        bars = []
        for i, (quarter, n) in enumerate(zip(shown, counts, strict=True)):
            height = space * n / maximum if maximum else 0
            x = i * slot + slot * PANEL_GAP / 2
            bars.append(
                Bar(
                    label=str(quarter),
                    value=n,
                    x=round(x, 1),
                    y=round(baseline - height, 1),
                    width=round(slot * (1 - PANEL_GAP), 1),
                    height=round(height, 1),
                    url=urls[i][priority.code],
                    item=quarter,
                    text_x=round(x + slot * (1 - PANEL_GAP) / 2, 1),
                    text_y=round(baseline - height - 4, 1),
                )
            )
        peak = max(range(len(bars)), key=lambda i: bars[i].value)
        panels.append(
            Panel(
                priority,
                counts,
                bars,
                peak=bars[peak].value,
                peak_bar=bars[peak],
                last_bar=bars[-1],
                label_last=peak < len(bars) - 2,
            )
        )
    return QuarterChart(quarters=shown, panels=panels, maximum=maximum, truncated=truncated)
