"""/healthz says the process is alive; /readyz says whether it can serve, and if not, why."""

from unittest import mock

import pytest
from django.db import OperationalError, connections
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_ok_when_the_database_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"


def test_readyz_is_503_naming_the_database_when_it_is_unreachable(client):
    # The outside failure, simulated at the driver boundary: the server went away.
    with mock.patch.object(
        connections["default"], "cursor", side_effect=OperationalError("server closed")
    ):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "unreachable"


def test_healthz_stays_ok_when_the_database_is_unreachable(client):
    with mock.patch.object(
        connections["default"], "cursor", side_effect=OperationalError("server closed")
    ):
        assert client.get("/healthz").status_code == 200


@override_settings(CELERY_BROKER_URL="redis://broker.invalid:6379/0")
def test_readyz_is_503_naming_the_broker_when_it_is_unreachable(client):
    from qc_portal.celery import app

    with mock.patch.object(app, "connection_for_write", side_effect=OSError("connection refused")):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "unreachable"}


def test_readyz_does_not_check_a_broker_in_embedded_mode(client, settings):
    settings.CELERY_BROKER_URL = ""
    assert "broker" not in client.get("/readyz").json()["checks"]


def test_readyz_checks_a_shared_cache_when_one_is_configured(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert "cache" not in client.get("/readyz").json()["checks"]
    from django.core.cache import cache

    with (
        mock.patch("qc_portal.views._shared_cache_configured", return_value=True),
        mock.patch.object(cache, "set", side_effect=ConnectionError("redis down")),
    ):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "unreachable"
    with mock.patch("qc_portal.views._shared_cache_configured", return_value=True):
        assert client.get("/readyz").json()["checks"]["cache"] == "ok"
