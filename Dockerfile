# GMG Portal: one image for the web process (gunicorn), the Celery worker and Celery beat.
# Build:  docker build -t gmg-portal .
# Run:    see docker-compose.yml; the container needs DJANGO_SECRET_KEY (40+ chars) at runtime.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_DEBUG=0

WORKDIR /app

# Unprivileged user the processes run as.
RUN groupadd --system app \
 && useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app

# Dependencies first, so this layer is reused while only the code changes.
# pyproject.toml declares no packages ([tool.setuptools] packages = []): this installs the
# dependencies only; the portal itself runs from the code copied into /app below.
COPY pyproject.toml ./
RUN pip install --no-cache-dir . \
 && rm -rf build *.egg-info

COPY . .

# Static files are collected at build time, with DEBUG off so whitenoise's manifest
# (staticfiles.json) is written. The settings refuse to load with DEBUG off unless
# DJANGO_SECRET_KEY is 40+ characters, so a throwaway key is set for this one command
# only; it is not kept in the image's environment. var/ is the only directory the
# processes write to (SQLite fallback, the Celery beat schedule, the library's files, on a
# volume made from this directory so that it belongs to the app user).
RUN DJANGO_SECRET_KEY=build-only-collectstatic-key-never-used-at-runtime \
    python manage.py collectstatic --noinput \
 && mkdir -p var/library-files \
 && chown -R app:app var

USER app

EXPOSE 8000

# gunicorn reads /app/gunicorn.conf.py: port 8000, gthread workers × threads sized for 2 cores
# (WEB_CONCURRENCY and GUNICORN_THREADS override them), access log on stdout.
CMD ["gunicorn", "gmg_portal.wsgi:application"]
