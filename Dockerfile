FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends gettext nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock package.json package-lock.json ./
RUN pip install -r requirements.lock && npm ci --no-audit --no-fund --loglevel=error
COPY . .
RUN for po in */locale/*/LC_MESSAGES/django.po; do msgfmt -o "${po%.po}.mo" "$po"; done \
    && useradd --system --uid 1000 qc && mkdir -p var staticfiles && chown -R qc var staticfiles
USER qc
EXPOSE 8000
CMD ["gunicorn", "qc_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
