import uuid

import pytest
from rest_framework.test import APIClient

from assistant.models import ChatSession

CHAT = "/api/v1/assistant/chat/"


def feedback_url(session):
    return f"/api/v1/assistant/chat/{session}/feedback/"


def test_chat_answers_a_customer(faq, customer, api_as):
    client = api_as(customer)
    response = client.post(CHAT, {"message": "怎么开户"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "session",
        "turn",
        "answer",
        "sources",
        "confidence",
        "intent",
        "handed_over",
    }
    assert body["sources"][0]["key"] == "faq:open_personal_account"
    assert body["handed_over"] is False and body["turn"] == 1
    again = client.post(
        CHAT, {"session": body["session"], "message": "human", "language": "en"}, format="json"
    )
    assert again.status_code == 200 and again.json()["handed_over"] is True
    assert again.json()["session"] == body["session"]
    ended = client.post(CHAT, {"session": body["session"], "message": "hello"}, format="json")
    assert ended.status_code == 400 and "session" in ended.json()["errors"]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "message"),
        ({"message": ""}, "message"),
        ({"message": "x" * 1001}, "message"),
        ({"message": "hi", "language": "fr"}, "language"),
        ({"message": "hi", "session": "nope"}, "session"),
    ],
)
def test_chat_refuses_bad_input(faq, customer, api_as, payload, field):
    response = api_as(customer).post(CHAT, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_another_customers_session_is_not_found(faq, customer, other_customer, api_as):
    session = api_as(customer).post(CHAT, {"message": "怎么开户"}, format="json").json()["session"]
    other = api_as(other_customer)
    assert (
        other.post(CHAT, {"session": session, "message": "年费"}, format="json").status_code == 404
    )
    assert (
        other.post(feedback_url(session), {"turn": 1, "helpful": True}, format="json").status_code
        == 404
    )
    assert other.get(f"/api/v1/assistant/chat/{session}/").status_code == 404
    assert (
        api_as(customer)
        .post(CHAT, {"session": str(uuid.uuid4()), "message": "x"}, format="json")
        .status_code
        == 404
    )


def test_anonymous_visitor_chats_about_the_faq_but_gets_no_case_data(faq, customer, branch):
    from transparency import actions as case_actions

    case, _code = case_actions.open_case(
        customer.customer, business_type="consumer_loan", branch=branch, actor=None, actor_label="t"
    )
    client = APIClient()
    response = client.post(CHAT, {"message": "我的贷款审批到哪一步了"}, format="json")
    assert response.status_code == 200
    assert case.reference not in response.json()["answer"]
    assert response.json()["sources"][0]["url"] == "/track/"
    session = response.json()["session"]
    assert client.get(f"/api/v1/assistant/chat/{session}/").status_code == 200
    assert APIClient().get(f"/api/v1/assistant/chat/{session}/").status_code == 404


def test_feedback(faq, customer, api_as):
    client = api_as(customer)
    session = client.post(CHAT, {"message": "信用卡怎么激活"}, format="json").json()["session"]
    response = client.post(feedback_url(session), {"turn": 1, "helpful": False}, format="json")
    assert response.status_code == 200 and response.json()["feedback"] == -1
    assert (
        client.post(feedback_url(session), {"turn": 9, "helpful": True}, format="json").status_code
        == 404
    )
    assert client.post(feedback_url(session), {"turn": 1}, format="json").status_code == 400
    detail = client.get(f"/api/v1/assistant/chat/{session}/").json()
    assert detail["turns"][0]["feedback"] == -1


def test_token_clients_are_recorded_as_the_app(faq, customer):
    from qc_portal.models import ApiToken

    assert ApiToken  # token auth exists; force_authenticate with a token marks the app channel
    client = APIClient()
    client.force_authenticate(customer, token="t")
    session = client.post(CHAT, {"message": "怎么开户"}, format="json").json()["session"]
    assert ChatSession.objects.get(public_id=session).channel == ChatSession.Channel.APP
