# The image behind docker-compose.yml's web, worker and beat services.
FROM python:3.11-slim-bookworm
# Static files belong to the image (read-only, owned by root); /var/lib/chorus is the portal's
# own writable folder.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 CHORUS_VAR_DIR=/var/lib/chorus STATIC_ROOT=/usr/share/chorus/static
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
# Collected with DEBUG=0, as the web process runs: the production storage then writes the
# manifest of hashed names it reads (chorus/staticfiles.py). DEBUG=0 also demands a secret key
# and allowed hosts, which collectstatic never uses: placeholders for this one command, kept
# neither in the image's environment nor anywhere the containers read (they get their own).
RUN DEBUG=0 SECRET_KEY=collectstatic-only ALLOWED_HOSTS=collectstatic.invalid python manage.py collectstatic --no-input
RUN useradd --system chorus && mkdir -p /var/lib/chorus && chown -R chorus /var/lib/chorus
USER chorus
EXPOSE 8000
CMD ["gunicorn", "chorus.wsgi", "--config", "gunicorn.conf.py"]
