import pytest

from tests.credit.factories import make_policy, submit


@pytest.fixture
def policy(db):
    return make_policy()


@pytest.fixture
def application(policy, relationship_manager, customer):
    return submit(relationship_manager, customer=customer.customer)


@pytest.fixture(autouse=True)
def _no_training_gate_by_default(settings):
    # Training's own records decide the gate in the tests that are about it.
    settings.QC_CREDIT_TRAINING_GATE = False
