# syntax=docker/dockerfile:1

# Confide production image: one image for the web app, the Celery worker, Celery beat and the
# one-shot migration (docker-compose.yml picks the command). Settings come from the environment
# (config/settings.py); the image defaults to production, so it refuses to start without secrets.

# ---- Stage 1: front-end assets (nhsuk-frontend and the product's own styles) -----------------
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: the build needs none (only sass's optional file watcher has one).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY static/ static/
COPY bin/copy-nhsuk-assets.mjs bin/copy-nhsuk-assets.mjs
RUN npm run build

# ---- Stage 2: the application -------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS app

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_SETTINGS_MODULE=config.settings \
    CONFIDE_ENVIRONMENT=production \
    CONFIDE_STATIC_ROOT=/app/staticfiles \
    CONFIDE_DATA_DIR=/data \
    CONFIDE_AUDIT_ANCHOR_DIR=/anchors \
    CONFIDE_KEYSTORE_DIR=/keystore

# The app runs as an unprivileged user. The code stays owned by root, so the app cannot change it;
# it writes only to /data (Celery beat's schedule, case documents), /anchors (signed audit-chain
# anchors) and /keystore (clients' key shares, readable by this user alone). All exist here owned
# by that user, so that a fresh named volume mounted on them inherits the ownership.
RUN groupadd --system --gid 10001 confide \
 && useradd --system --uid 10001 --gid confide --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin confide \
 && install -d -o confide -g confide -m 0750 /data /data/celery /anchors \
 && install -d -o confide -g confide -m 0700 /keystore

WORKDIR /app

# Runtime dependencies only, every one pinned and hash-checked (pip-compile --generate-hashes).
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

COPY . .
COPY --from=assets /src/build/static/ build/static/
COPY --from=assets /src/build/fonts/ build/fonts/

# collectstatic runs with production settings so that WhiteNoise's manifest storage writes
# staticfiles.json and the hashed file names; production pages fail without them. The keys
# below are throw-away values for this one command only (settings refuse to load in production
# without them); they are not kept in the image's environment and never sign or encrypt anything.
RUN CONFIDE_ENVIRONMENT=production \
    CONFIDE_DATA_DIR=/tmp/build-data \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    DJANGO_SECRET_KEY=build-only-not-a-secret \
    CONFIDE_FIELD_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    CONFIDE_AUDIT_KEY=build-only-not-a-secret-build-only-not-a-secret \
    python manage.py collectstatic --noinput \
 && rm -rf /tmp/build-data

USER 10001:10001

EXPOSE 8000

# GET /healthz on the local gunicorn (see bin/healthcheck.py). Django checks the Host header
# against DJANGO_ALLOWED_HOSTS: the probe sends HEALTHCHECK_HOST if set, otherwise the first
# entry of DJANGO_ALLOWED_HOSTS, so 'localhost' need not be an allowed host in production.
# /healthz is exempt from the HTTPS redirect (SECURE_REDIRECT_EXEMPT), so no X-Forwarded-Proto.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/app/bin/healthcheck.py"]

# exec: gunicorn becomes the shell's replacement and receives the stop signal itself.
# The access log shows paths and query strings; the app puts no personal data in URLs.
CMD ["sh", "-c", "exec gunicorn config.wsgi:application --bind 0.0.0.0:8000 --workers ${GUNICORN_WORKERS:-3} --access-logfile -"]
