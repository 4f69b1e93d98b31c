from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Re-queue records still pending after a broker outage or a lost worker (nothing is lost).
    "integration-requeue-pending": {
        "task": "integration.requeue_pending",
        "schedule": crontab(minute="*/5"),
    },
    # Alert when a source system falls silent beyond its expected frequency, or its reject rate jumps.
    "integration-check-sync-health": {
        "task": "integration.check_sync_health",
        "schedule": crontab(minute="*/15"),
    },
}
