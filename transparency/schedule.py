from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Re-send customer notifications still pending (the broker was down when the step moved,
    # or delivery failed): an outage delays a notification but never loses it.
    "transparency-sweep-outbox": {
        "task": "transparency.sweep_outbox",
        "schedule": crontab(minute="*"),
    },
    # Each morning, flag manuals past their review date to their owning department.
    "transparency-flag-overdue-manuals": {
        "task": "transparency.flag_overdue_manuals",
        "schedule": crontab(hour=7, minute=15),
    },
}
