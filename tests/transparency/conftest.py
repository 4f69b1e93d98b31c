import pytest

from transparency import actions
from transparency.sms import LocmemSmsBackend


@pytest.fixture(autouse=True)
def _sms_in_memory(settings):
    settings.QC_SMS_BACKEND = "transparency.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox.clear()
    yield
    LocmemSmsBackend.outbox.clear()


@pytest.fixture(autouse=True)
def _clear_throttle_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def open_case(customer, branch, relationship_manager):
    """A consumer loan of `customer` at `branch`, with its access code."""
    case, code = actions.open_case(
        customer.customer,
        business_type="consumer_loan",
        branch=branch,
        actor=relationship_manager,
        title="Car loan",
    )
    return case, code
