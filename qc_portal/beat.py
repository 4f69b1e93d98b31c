"""Collects the Celery beat schedule from each app's `schedule.py`.

Each app owns its periodic jobs next to its tasks; settings merge them here so the schedule
stays static data (visible in one place with `manage.py show_beat_schedule`).
"""

import importlib


def collect_beat_schedule(app_labels: list[str]) -> dict:
    schedule: dict = {}
    for label in app_labels:
        try:
            module = importlib.import_module(f"{label}.schedule")
        except ModuleNotFoundError as error:
            if error.name != f"{label}.schedule":
                raise
            continue
        overlap = schedule.keys() & module.BEAT_SCHEDULE.keys()
        if overlap:
            raise ValueError(f"beat entries defined twice: {sorted(overlap)}")
        schedule.update(module.BEAT_SCHEDULE)
    return schedule
