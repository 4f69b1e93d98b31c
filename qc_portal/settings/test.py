"""Test settings: only what makes tests faster. Database and broker still come from the
environment, so the same suite runs on SQLite locally and PostgreSQL + Redis in CI."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# Ordinary tests run tasks in-process even when a broker is configured, so they can assert
# what a task did. The system tests (tests/system) switch to the real broker and a live worker.
CELERY_TASK_ALWAYS_EAGER = True

# Tests sign people in with force_login / force_authenticate all the time; the two-factor
# flow itself is tested with the setting on (tests/security/).
QC_REQUIRE_2FA = False
