"""Celery: settings-driven, safe defaults; the beat schedule is collected from each app."""

import sys
import types

import pytest

from qc_portal.beat import collect_beat_schedule
from qc_portal.celery import app


def test_celery_reads_safe_defaults_from_settings():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_serializer == "json"
    assert conf.result_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_ignore_result is True
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    assert conf.timezone == "Asia/Shanghai"


def test_ordinary_tests_run_tasks_in_process():
    """Base settings run tasks eagerly only without a broker (test_settings.py checks that in
    a clean interpreter); the test settings always do, so a test can assert what a task did.
    The live-worker round trip is tests/system."""
    from qc_portal.celery import ping

    assert app.conf.task_always_eager is True
    assert ping.delay("hello").get() == "hello"


@pytest.fixture
def schedules(monkeypatch):
    def install(label: str, entries: dict | None):
        package = types.ModuleType(label)
        package.__path__ = []
        monkeypatch.setitem(sys.modules, label, package)
        if entries is not None:
            module = types.ModuleType(f"{label}.schedule")
            module.BEAT_SCHEDULE = entries
            monkeypatch.setitem(sys.modules, f"{label}.schedule", module)

    return install


def test_beat_schedule_merges_every_apps_entries(schedules):
    schedules("fake_a", {"a-daily": {"task": "a.daily", "schedule": 60}})
    schedules("fake_b", {"b-hourly": {"task": "b.hourly", "schedule": 3600}})
    schedules("fake_c", None)  # an app with no periodic jobs
    merged = collect_beat_schedule(["fake_a", "fake_b", "fake_c"])
    assert set(merged) == {"a-daily", "b-hourly"}


def test_beat_schedule_refuses_an_entry_defined_twice(schedules):
    schedules("fake_a", {"job": {"task": "a.job", "schedule": 60}})
    schedules("fake_b", {"job": {"task": "b.job", "schedule": 60}})
    with pytest.raises(ValueError, match="job"):
        collect_beat_schedule(["fake_a", "fake_b"])


def test_project_beat_schedule_names_real_tasks(settings):
    """Every entry of the static schedule points at a task a worker knows."""
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
