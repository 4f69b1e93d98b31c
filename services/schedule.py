from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Live-queue watch: every 5 minutes during the day; an alert is raised once per branch and
    # breach hour however often this runs (the alert key), so managers are not spammed.
    "services-flag-queue-breaches": {
        "task": "services.flag_queue_breaches",
        "schedule": crontab(minute="*/5", hour="7-21"),
    },
}
