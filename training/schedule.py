from celery.schedules import crontab

BEAT_SCHEDULE = {
    # The first morning of each quarter: propose the quarter's plan from the mandatory rules
    # (sessions + automatic enrolment); HR adjusts it. Runs again on the 1st of the quarter's
    # second month to pick up joiners and rule changes.
    "training-propose-plan": {
        "task": "training.tasks.propose_quarter_plan",
        "schedule": crontab(minute=0, hour=6, day_of_month=1, month_of_year="1,2,4,5,7,8,10,11"),
    },
    # Every weekday morning: from the quarter's 31st day on, remind staff who still miss a
    # mandatory course (once per person, course and quarter) and alert their branch managers,
    # leaving about two months before the quarter ends.
    "training-reminders": {
        "task": "training.tasks.send_training_reminders",
        "schedule": crontab(minute=30, hour=8, day_of_week="1-5"),
    },
    # Every night: close the logins of employees whose announced leaving date has passed.
    "training-close-departed-logins": {
        "task": "training.tasks.close_departed_logins",
        "schedule": crontab(minute=15, hour=1),
    },
}
