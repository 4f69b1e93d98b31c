import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qc_portal.settings.base")

app = Celery("qc_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="qc_portal.ping", ignore_result=False)
def ping(value: str = "pong") -> str:
    """Round-trip probe used by the readiness smoke test and the system tests."""
    return value
