import pytest
from django.db import transaction

from tests.reliability.world import build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo bank, built once per module inside a transaction rolled back at the end; each
    test runs in a savepoint of it (pytest-django's `db`), so tests cannot see each other's writes."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            built = build_world()
            yield built
            transaction.set_rollback(True)
