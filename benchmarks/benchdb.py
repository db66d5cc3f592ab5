"""Create a benchmark's PostgreSQL database if it does not exist yet.

    .venv/bin/python benchmarks/benchdb.py postgres://postgres@127.0.0.1:5432/gmg_bench_digests

The benchmarks migrate their database themselves; `make bench` calls this first so that it
works on a fresh machine, where only the server and its `postgres` database exist.
"""

import sys
from urllib.parse import urlsplit, urlunsplit


def ensure_database(url):
    """Create the database of `url` unless it exists; True when it was created."""
    if not url.startswith(("postgres://", "postgresql://")):
        return False
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    conn = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cur.fetchone() is not None:
                return False
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    finally:
        conn.close()


if __name__ == "__main__":
    for url in sys.argv[1:]:
        if ensure_database(url):
            print(f"created {urlsplit(url).path.lstrip('/')}")
