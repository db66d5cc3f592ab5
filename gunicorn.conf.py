"""gunicorn's settings for the portal's web process (read from the working directory).

Sized for the project's machines, 2 cores that also run PostgreSQL, Redis and Celery:
- `gthread` workers: a page spends part of its time waiting on PostgreSQL; a thread lets
  the worker serve another request meanwhile instead of idling, which sync workers cannot.
- 2 worker processes by default, one per core: Python renders pages under one lock per
  process, so a third process on 2 cores mostly adds memory and context switches while
  PostgreSQL competes for the same cores.
- 8 threads each: the pages spend half or more of their time waiting on PostgreSQL, so
  16 requests in flight keep both cores busy, and a quick page starts at once beside a
  slow one instead of queueing behind it. Measured at 20 clients on 100,000 activities
  (BENCHMARKS.md, "Load test"): 2 × 8 served the list and the raw-SQL baseline a little
  faster than 2 × 4 in three interleaved pairs, 3 × 4 was no better, and 5 single-threaded
  workers (sync-like) were the slowest by far. Each thread keeps one database connection
  open (DATABASE_CONN_MAX_AGE): 16 for the web, far below PostgreSQL's 100.
benchmarks/load.py measures these settings (and others, with --workers/--threads).
WEB_CONCURRENCY and GUNICORN_THREADS override them per deployment.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# A request still running after this is a stuck worker: killed and replaced.
timeout = 60
# Slow clients hold a thread, not a process; idle keep-alive connections are let go soon.
keepalive = 5
accesslog = "-"
