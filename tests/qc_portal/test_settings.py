"""The one settings module: embedded by default, production from the environment only.

Production settings are imported in a fresh interpreter with a clean environment, so these
tests see exactly what a server started with those variables would see.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = secrets.token_urlsafe(48)  # 64 characters, as a real deployment would use


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "qc_portal.settings.base",
        **env,
    }
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def _production(**overrides: str) -> dict[str, str]:
    env = {
        "DEBUG": "false",
        "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "qc.bank.example",
        "QC_FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


IMPORT = ["-c", "import qc_portal.settings.base"]


def test_strong_key_is_64_characters():
    assert len(STRONG_KEY) == 64


@pytest.mark.parametrize(
    "secret_key",
    [
        None,  # not set: the public development key would be used
        "",
        "too-short-0123456789",
        "a" * 64,  # long but not random
        "change-me-to-a-random-string-of-at-least-fifty-characters-0123456789",  # .env.example
    ],
    ids=["unset", "empty", "short", "repeated", "placeholder"],
)
def test_production_refuses_to_start_without_a_real_secret_key(secret_key):
    env = _production()
    if secret_key is None:
        del env["SECRET_KEY"]
    else:
        env["SECRET_KEY"] = secret_key
    result = _run(IMPORT, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_a_field_encryption_key():
    env = _production()
    del env["QC_FIELD_ENCRYPTION_KEY"]
    result = _run(IMPORT, **env)
    assert result.returncode != 0
    assert "QC_FIELD_ENCRYPTION_KEY" in result.stderr


def test_embedded_default_needs_no_environment():
    script = (
        "import django; from django.conf import settings; django.setup();"
        "print(settings.DEBUG, settings.DATABASES['default']['ENGINE'],"
        " settings.CELERY_TASK_ALWAYS_EAGER, settings.TIME_ZONE, settings.USE_TZ,"
        " settings.LANGUAGE_CODE)"
    )
    result = _run(["-c", script])
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "django.db.backends.sqlite3",
        "True",
        "Asia/Shanghai",
        "True",
        "zh-hans",
    ]


def test_check_deploy_reports_no_issues_with_production_environment():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **_production(DATABASE_URL="postgres://qc:qc@127.0.0.1:5432/qc_portal"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_security_follows_from_debug_off():
    script = (
        "import django; from django.conf import settings as s; django.setup();"
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_PROXY_SSL_HEADER[0],"
        " s.CELERY_TASK_ALWAYS_EAGER)"
    )
    result = _run(["-c", script], **_production(CELERY_BROKER_URL="redis://127.0.0.1:6379/0"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "True",
        "HTTP_X_FORWARDED_PROTO",
        "False",
    ]


def test_health_endpoints_are_exempt_from_the_ssl_redirect():
    """The load balancer probes over plain HTTP inside the network."""
    script = (
        "import django; django.setup();"
        "from django.test import Client;"
        "c = Client();"
        "print(c.get('/healthz').status_code, c.get('/accounts/login/').status_code)"
    )
    result = _run(["-c", script], **_production(ALLOWED_HOSTS="testserver"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "301"]
