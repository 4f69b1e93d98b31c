import pytest
from django.test import Client

from assistant import actions
from assistant.models import ChatSession, FaqEntry


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_chat_page_and_htmx_question(faq, customer):
    client = client_for(customer)
    assert client.get("/assistant/").status_code == 200
    response = client.post("/assistant/ask/", {"message": "怎么开户"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "身份证" in html and "assistant-message" in html
    page = client.get("/assistant/").content.decode()
    assert "怎么开户" in page  # the conversation continues on the page


def test_anonymous_visitor_can_use_the_chat_page(faq, branch):
    client = Client()
    assert client.get("/assistant/").status_code == 200
    response = client.post("/assistant/ask/", {"message": "怎么开户"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200


def test_empty_question_is_a_400(faq, customer):
    response = client_for(customer).post("/assistant/ask/", {"message": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400


def test_feedback_and_end_from_the_page(faq, customer):
    client = client_for(customer)
    client.post("/assistant/ask/", {"message": "信用卡怎么激活"}, HTTP_HX_REQUEST="true")
    session = ChatSession.objects.get()
    response = client.post(f"/assistant/chat/{session.public_id}/1/feedback/", {"helpful": "1"})
    assert response.status_code == 200 and session.turns.get().feedback == 1
    assert (
        client_for(customer)
        .post(f"/assistant/chat/{session.public_id}/9/feedback/", {"helpful": "1"})
        .status_code
        == 404
    )
    assert client.post("/assistant/end/").status_code == 302
    session.refresh_from_db()
    assert session.status == "closed"


def test_agent_sees_handovers_of_their_branch_with_the_transcript(
    faq, customer, service_agent, other_service_agent
):
    first = actions.ask(None, message="我想开户，要带什么证件", user=customer)
    actions.ask(first.session, message="转人工", user=customer)
    session = first.session
    page = client_for(service_agent).get("/assistant/handovers/")
    assert page.status_code == 200 and str(session.public_id) in page.content.decode()
    detail = client_for(service_agent).get(f"/assistant/handovers/{session.public_id}/")
    assert detail.status_code == 200 and "我想开户，要带什么证件" in detail.content.decode()
    assert (
        client_for(other_service_agent)
        .get(f"/assistant/handovers/{session.public_id}/")
        .status_code
        == 404
    )
    assert (
        client_for(service_agent).post(f"/assistant/handovers/{session.public_id}/").status_code
        == 302
    )
    session.refresh_from_db()
    assert session.taken_by == service_agent


def test_customers_cannot_open_staff_pages(faq, customer):
    client = client_for(customer)
    for url in (
        "/assistant/handovers/",
        "/assistant/curation/",
        "/assistant/faq/",
        "/assistant/faq/new/",
    ):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("fixture", ["relationship_manager", "head_office", "auditor"])
def test_curation_is_only_for_customer_service(faq, request, fixture):
    assert (
        client_for(request.getfixturevalue(fixture)).get("/assistant/curation/").status_code == 403
    )


def test_service_agent_outside_customer_service_cannot_curate(faq, branch):
    from tests.factories import make_staff

    agent = make_staff(
        "service_agent", branch=branch, username="retail_agent", department_code="retail"
    )
    assert client_for(agent).get("/assistant/curation/").status_code == 403


def test_curator_turns_a_question_into_an_faq_entry(faq, customer, service_agent):
    for _ in range(2):
        actions.ask(None, message="保险箱怎么租", user=customer)
    client = client_for(service_agent)
    page = client.get("/assistant/curation/")
    assert page.status_code == 200 and "保险箱怎么租" in page.content.decode()
    form = client.get("/assistant/faq/new/?question=保险箱怎么租&language=zh-hans")
    assert "保险箱怎么租" in form.content.decode()
    response = client.post(
        "/assistant/faq/new/",
        {
            "key": "safe_box",
            "business_type": "general",
            "questions_zh": "保险箱怎么租",
            "questions_en": "How do I rent a safe box?",
            "answer_zh": "请到网点办理保险箱租用。",
            "answer_en": "Rent a safe box at a branch.",
            "from_question": "保险箱怎么租",
        },
    )
    assert response.status_code == 302
    entry = FaqEntry.objects.get(key="safe_box")
    assert entry.current.created_by == service_agent
    assert "保险箱怎么租" not in client.get("/assistant/curation/").content.decode()
    assert actions.ask(None, message="保险箱怎么租", user=customer).top_key == "faq:safe_box"


def test_faq_edit_makes_a_new_version_and_bad_input_is_a_400(faq, branch_manager):
    client = client_for(branch_manager)
    entry = FaqEntry.objects.get(key="lost_card")
    values = {
        "business_type": "cards",
        "questions_zh": entry.current.questions_zh,
        "questions_en": entry.current.questions_en,
        "answer_zh": entry.current.answer_zh + "（新）",
        "answer_en": entry.current.answer_en,
        "change_note": "wording",
    }
    assert client.post("/assistant/faq/lost_card/", values).status_code == 302
    entry.refresh_from_db()
    assert entry.current.version == 2 and entry.versions.count() == 2
    assert client.post("/assistant/faq/lost_card/", {**values, "answer_en": ""}).status_code == 400
    assert client.get("/assistant/faq/lost_card/").status_code == 200
    assert client.get("/assistant/faq/?type=cards&q=lost").status_code == 200
    assert client.post("/assistant/faq/lost_card/retire/").status_code == 302
    entry.refresh_from_db()
    assert not entry.is_active


def test_faq_change_is_audited(faq, branch_manager):
    from qc_portal.models import AuditEvent

    actions.save_faq_entry(
        "x_test",
        business_type="general",
        questions_zh=["测试"],
        questions_en=[],
        answer_zh="答",
        answer_en="A",
        actor=branch_manager,
    )
    assert AuditEvent.objects.filter(action="assistant.faq_saved", actor=branch_manager).exists()


def test_handover_and_curation_lists_use_a_fixed_number_of_queries(
    faq, customer, other_customer, service_agent, django_assert_max_num_queries
):
    for user in (customer, other_customer, customer):
        actions.ask(None, message="转人工", user=user)
        actions.ask(None, message="保险箱怎么租", user=user)
    client = client_for(service_agent)
    client.get("/assistant/handovers/")  # warm the session and the role cache
    with django_assert_max_num_queries(12):
        assert client.get("/assistant/handovers/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/assistant/curation/").status_code == 200


def test_agent_finishes_a_handover_and_it_leaves_the_queue(
    faq, customer, service_agent, branch_manager
):
    session = actions.ask(None, message="转人工", user=customer).session
    client = client_for(service_agent)
    url = f"/assistant/handovers/{session.public_id}/"
    client.post(url, {"step": "finish"})  # not taken over yet: refused with a message
    session.refresh_from_db()
    assert session.closed_at is None
    client.post(url)
    assert (
        "Mark as dealt with" in client.get(url).content.decode()
        or "标记为已处理" in client.get(url).content.decode()
    )
    assert client_for(branch_manager).post(url, {"step": "finish"}).status_code == 302
    session.refresh_from_db()
    assert session.closed_at is None  # only the agent who took it over
    assert client.post(url, {"step": "finish"}).status_code == 302
    session.refresh_from_db()
    assert session.closed_at is not None
    assert client.get(url).status_code == 404
