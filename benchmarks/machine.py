"""What machine a benchmark ran on: cores, memory, CPU model, Python, PostgreSQL, load.

.venv/bin/python benchmarks/machine.py [DATABASE_URL] > var/bench/machine.json
"""

import datetime
import json
import os
import platform
import sys
from pathlib import Path


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib():
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def postgres_version(database_url):
    """The server's version, e.g. "15.20", or None when the URL is not PostgreSQL's."""
    if not database_url.startswith(("postgres://", "postgresql://")):
        return None
    import psycopg2

    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("SHOW server_version")
        version = cur.fetchone()[0].split()[0]
    conn.close()
    return version


def describe(database_url=""):
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "ram_gib": _ram_gib(),
        "cpu": _cpu_model(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": postgres_version(database_url) if database_url else None,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def summary(machine):
    pg = f", PostgreSQL {machine['postgresql']}" if machine.get("postgresql") else ""
    return (
        f"{machine['cores']} cores ({machine['cpu']}), {machine['ram_gib']} GiB, "
        f"Python {machine['python']}{pg}; {machine['date']}; load average "
        f"{' / '.join(str(x) for x in machine['load_average'])} (1/5/15 min) at the start"
    )


if __name__ == "__main__":
    print(json.dumps(describe(sys.argv[1] if len(sys.argv) > 1 else ""), indent=2))
