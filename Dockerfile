# The image behind docker-compose.yml's web, worker and beat services.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 CHORUS_VAR_DIR=/var/lib/chorus
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gettext \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
RUN DEBUG=1 python manage.py collectstatic --no-input && useradd --system chorus && mkdir -p /var/lib/chorus && chown chorus /var/lib/chorus
USER chorus
EXPOSE 8000
CMD ["gunicorn", "chorus.wsgi", "--config", "gunicorn.conf.py"]
