from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Turnaround sweep: every 30 minutes in working hours; each overdue application is
    # escalated to the risk managers once per stage (the alert key), however often this runs.
    "credit-escalate-overdue-applications": {
        "task": "credit.escalate_overdue_applications",
        "schedule": crontab(minute="*/30", hour="8-20"),
    },
    # Five-category classification of the whole book after the core banking day closes; on a
    # quarter's last day it also takes the snapshot the NPL ratio is read from.
    "credit-recompute-classifications": {
        "task": "credit.recompute_classifications",
        "schedule": crontab(minute=30, hour=23),
    },
    # Early warnings on the freshly classified book, before the working day starts.
    "credit-run-early-warnings": {
        "task": "credit.run_early_warnings",
        "schedule": crontab(minute=0, hour=6),
    },
    # Quarterly credit review: propose the sample of the quarter just ended.
    "credit-propose-review-sample": {
        "task": "credit.propose_review_sample",
        "schedule": crontab(minute=0, hour=7, day_of_month=1, month_of_year="1,4,7,10"),
    },
}
