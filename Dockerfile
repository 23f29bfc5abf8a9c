# Stockroom API image: Granian (WSGI) for the web process; the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.base

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files (admin, Swagger UI and ReDoc assets) are collected into the image and served by WhiteNoise.
# The development key is allowed for this build step only; the running container needs a real SECRET_KEY.
RUN STOCKROOM_ALLOW_DEV_KEY=true python manage.py collectstatic --noinput \
    && useradd --create-home --uid 1000 stockroom \
    && mkdir -p /app/media \
    && chown -R stockroom:stockroom /app/media

USER stockroom
EXPOSE 8000

# Granian rather than gunicorn: its HTTP handling costs a fraction of gunicorn's CPU per request (bench/README.md,
# "The server"). Two processes of four threads each; raise --workers with the cores.
CMD ["granian", "--interface", "wsgi", "config.wsgi:application", "--host", "0.0.0.0", "--port", "8000", \
     "--workers", "2", "--blocking-threads", "4", "--no-ws", "--access-log"]
