from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Finished conversations become chatbot service records (bot containment) once idle.
    "assistant-close-idle-sessions": {
        "task": "assistant.close_idle_sessions",
        "schedule": crontab(minute="*/10"),
    },
    # Manuals are published by transparency; pick up a new version within 15 minutes.
    "assistant-refresh-index": {
        "task": "assistant.refresh_index",
        "schedule": crontab(minute="*/15"),
    },
}
