import pytest

from assistant import actions, knowledge, retrieval


@pytest.fixture
def faq(db):
    """The demo FAQ (the same file demo.py loads), indexed."""
    actions.import_faq(knowledge.load_faq_file(), actor_label="test")
    retrieval.forget_index()
    return retrieval.get_index()


@pytest.fixture(autouse=True)
def _fresh_index():
    retrieval.forget_index()
    yield
    retrieval.forget_index()
