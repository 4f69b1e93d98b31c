"""Periodic KPI jobs. Celery's timezone is the bank's (Asia/Shanghai), so these are bank times."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Final monthly results: the previous month, on the 1st at 01:30.
    "kpis-previous-month": {
        "task": "kpis.compute_previous_period",
        "schedule": crontab(minute=30, hour=1, day_of_month=1),
        "args": ("month",),
    },
    # Final quarterly results: the previous quarter, on the first day of each quarter at 02:00.
    "kpis-previous-quarter": {
        "task": "kpis.compute_previous_period",
        "schedule": crontab(minute=0, hour=2, day_of_month=1, month_of_year="1,4,7,10"),
        "args": ("quarter",),
    },
    # Provisional figures of the running month and quarter, every 15 minutes.
    "kpis-provisional-refresh": {
        "task": "kpis.refresh_current_periods",
        "schedule": crontab(minute="*/15"),
    },
    # Programme plan: steps past their month and not marked done raise an alert, daily at 07:00.
    "kpis-plan-overdue-steps": {
        "task": "kpis.alert_overdue_plan_steps",
        "schedule": crontab(minute=0, hour=7),
    },
}
