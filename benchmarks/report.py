"""Rewrite the generated parts of BENCHMARKS.md from the results of `make bench`.

    .venv/bin/python benchmarks/report.py [--dir var/bench] [--doc BENCHMARKS.md] PART [PART ...]

Only the text between `<!-- bench:PART -->` and `<!-- /bench:PART -->` is replaced; the
hand-written prose around it is kept. A part whose markers are missing is appended at the
end of the document, with its markers, so a new benchmark needs no editing of the document
to be wired in. Parts and the files they read in --dir:
- machine: machine.json (benchmarks/machine.py);
- load: load.json (benchmarks/load.py --json);
- profiles: profiles.json (benchmarks/profile_pages.py --json);
- any other name: NAME.txt, a benchmark's printed output, whose first line is the
  command that produced it ("$ …"), shown as is.
A part without its result file is left as it was.
"""

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.load import LIST_PAGES  # noqa: E402
from benchmarks.machine import summary  # noqa: E402

TEXT_LINES = 60


def _ms(value):
    return "–" if value is None else f"{value:,.0f}"


def render_machine(data):
    return (
        f"Last `make bench`: {summary(data)}. The machine's 2 cores may be shared with other "
        "work; the load average at the start and end of each run is given with its figures."
    )


def render_load(data):
    m, c = data["machine"], data["config"]
    end = data["machine"].get("load_average_end")
    lines = [
        f"Measured {m['date']} on {m['cores']} cores ({m['cpu']}), {m['ram_gib']} GiB, "
        f"Python {m['python']}, PostgreSQL {m['postgresql']}; load average "
        f"{m['load_average'][0]} at the start"
        + (f", {end[0]} at the end" if end else "")
        + f". {c['activities']:,} activities; gunicorn {c['workers']} {c['worker_class']} "
        f"workers × {c['threads']} threads, DATABASE_CONN_MAX_AGE={c['conn_max_age']} with "
        f"health checks, DEBUG off. Each page alone for {c['duration']:g} s (or "
        f"{c['max_requests']} requests), then the mix for {c['mixed_duration']:g} s; "
        f"{data['seconds']:.0f} s in all.",
        "",
        "    .venv/bin/python " + c["command"],
        "",
    ]
    for level in data["levels"]:
        lines += [
            f"**{level['clients']} clients**, each page alone:",
            "",
            "| page | requests | errors | p50 ms | p95 ms | p99 ms | req/s | ÷ baseline |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, r in level["pages"].items():
            ratio = r.get("ratio_to_baseline")
            ratio_s = f"{ratio * 100:.0f} %" if ratio is not None else "–"
            if name in LIST_PAGES:
                ratio_s = f"**{ratio_s}**"
            label = f"{name} (`{r['url']}`)" if r.get("url") else name
            lines.append(
                f"| {label} | {r['requests']} | {r['errors']} | {_ms(r['p50_ms'])} | "
                f"**{_ms(r['p95_ms'])}** | {_ms(r['p99_ms'])} | {r['rps']:g} | {ratio_s} |"
            )
        mixed = level.get("mixed")
        if mixed:
            total = sum(r["requests"] for r in mixed["pages"].values())
            errors = sum(r["errors"] for r in mixed["pages"].values())
            lines += [
                "",
                f"All pages mixed ({mixed['seconds']:g} s, {total} requests, "
                f"**{mixed['rps']:g} req/s** in all, {errors} errors), p95 ms per page: "
                + ", ".join(f"{n} {_ms(r['p95_ms'])}" for n, r in mixed["pages"].items())
                + ".",
            ]
        if level.get("skipped"):
            lines += ["", f"(The remaining pages were skipped: {level['skipped']}.)"]
        lines.append("")
    return "\n".join(lines).rstrip()


def render_profiles(data):
    m = data["machine"]
    lines = [
        f"Profiled {m['date']}, {data['activities']:,} activities, one request per page as "
        f"a generated {data['role']}, DEBUG off, load average {m['load_average'][0]}. "
        "Shares of the sampled time by the innermost layer (SQL: in the driver, waiting on "
        "PostgreSQL; ORM: building queries and model instances; templates: the template "
        "engine, form widgets included; Python: the rest). The slowest query is named by the "
        "line of the portal's code that ran it; the templates are the costliest included "
        "ones (inclusive time, a query run while rendering included; number of renders).",
        "",
        "    .venv/bin/python benchmarks/profile_pages.py --database-url … --json …",
        "",
        "| page | time ms | queries | SQL ms | SQL | ORM | templates | Python | "
        "slowest query, ms | costliest included templates, ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in data["pages"].items():
        share = r["share"]
        slowest = r.get("slowest_queries") or []
        query = f"`{slowest[0]['caller'].split(' ')[-1]}` {slowest[0]['ms']:g}" if slowest else ""
        # The page's own template and base.html include everything: the ones below them
        # say where the rendering goes.
        included = [t for t in r.get("templates", [])[2:] if t["template"] != "base.html"]
        templates = "; ".join(
            f"`{t['template'].split('/')[-1]}` {t['ms']:g} (×{t['renders']})" for t in included[:2]
        )
        lines.append(
            f"| {name} | {_ms(r['wall_ms'])} | {r['queries']} | {_ms(r['sql_wall_ms'])} | "
            + " | ".join(
                f"{share.get(k, 0) * 100:.0f} %" for k in ("SQL", "ORM", "templates", "Python")
            )
            + f" | {query} | {templates} |"
        )
    return "\n".join(lines)


def render_text(text):
    lines = text.rstrip().splitlines()
    command = lines.pop(0)[2:] if lines and lines[0].startswith("$ ") else None
    if len(lines) > TEXT_LINES:
        lines = [f"… ({len(lines) - TEXT_LINES} lines above left out)", *lines[-TEXT_LINES:]]
    head = [f"    {command}", ""] if command else []
    return "\n".join([*head, "```text", *lines, "```"])


def render(part, directory):
    json_path, text_path = directory / f"{part}.json", directory / f"{part}.txt"
    renderers = {"machine": render_machine, "load": render_load, "profiles": render_profiles}
    if part in renderers:
        if not json_path.exists():
            return None
        return renderers[part](json.loads(json_path.read_text()))
    if text_path.exists():
        return render_text(text_path.read_text())
    return None


def replace_block(doc, part, body):
    start, end = f"<!-- bench:{part} -->", f"<!-- /bench:{part} -->"
    block = f"{start}\n{body}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(doc):
        return pattern.sub(lambda _m: block, doc, count=1)
    return doc.rstrip() + f"\n\n## `make bench`: {part} (generated)\n\n{block}\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("parts", nargs="+", metavar="PART")
    parser.add_argument("--dir", default=str(ROOT / "var" / "bench"))
    parser.add_argument("--doc", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args(argv)
    directory = Path(args.dir)
    parts = args.parts
    doc_path = Path(args.doc)
    doc = doc_path.read_text()
    for part in parts:
        body = render(part, directory)
        if body is None:
            print(f"{part}: no results in {directory}, left as it was")
            continue
        doc = replace_block(doc, part, body)
        print(f"{part}: rewritten")
    doc_path.write_text(doc)


if __name__ == "__main__":
    main()
