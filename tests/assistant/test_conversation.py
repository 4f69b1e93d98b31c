import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assistant import actions, queries
from assistant.models import ChatSession, ChatTurn
from services.models import Channel, Outcome, ServiceRecord
from transparency import actions as case_actions


def open_loan(user, *, branch, title=""):
    case, _code = case_actions.open_case(
        user.customer,
        business_type="consumer_loan",
        branch=branch,
        actor=None,
        actor_label="test",
        title=title,
    )
    return case


def test_a_question_is_answered_and_recorded(faq, customer):
    turn = actions.ask(None, message="银行卡丢了怎么办", user=customer)
    session = turn.session
    assert session.user == customer and session.customer == customer.customer
    assert session.branch == customer.customer.home_branch
    assert turn.intent == ChatTurn.Intent.FAQ and turn.answered
    assert turn.top_key == "faq:lost_card" and turn.sources[0]["key"] == "faq:lost_card"
    assert turn.confidence > 0.3
    second = actions.ask(session, message="How long does a transfer take?", user=customer)
    assert second.position == 2 and second.language == "en"


def test_asking_for_a_person_hands_over_with_service_records(faq, customer):
    first = actions.ask(None, message="我想开户，要带什么证件", user=customer)
    turn = actions.ask(first.session, message="转人工", user=customer)
    session = ChatSession.objects.get(pk=turn.session.pk)
    assert session.status == ChatSession.Status.HANDED_OVER and turn.session.status == "handed_over"
    chatbot = ServiceRecord.objects.get(pk=session.chatbot_record_id)
    assert chatbot.channel == Channel.CHATBOT and chatbot.outcome == Outcome.TRANSFERRED
    assert chatbot.customer == customer.customer and chatbot.service_type == "account_opening"
    waiting = ServiceRecord.objects.get(pk=session.handover_record_id)
    assert (
        waiting.channel == Channel.ONLINE
        and waiting.outcome == ""
        and waiting.branch == session.branch
    )
    with pytest.raises(ValidationError):
        actions.ask(session, message="还在吗", user=customer)


def test_low_confidence_hands_over(faq, customer):
    turn = actions.ask(None, message="你们行长叫什么名字", user=customer)
    assert turn.intent == ChatTurn.Intent.LOW_CONFIDENCE and not turn.answered
    assert turn.session.status == ChatSession.Status.HANDED_OVER


def test_closing_a_session_records_one_contained_chatbot_contact(faq, customer):
    turn = actions.ask(None, message="信用卡怎么激活", user=customer)
    session = actions.close_session(turn.session, user=customer)
    session = actions.close_session(session, user=customer)  # twice: still one record
    records = ServiceRecord.objects.filter(channel=Channel.CHATBOT)
    assert records.count() == 1
    assert records.get().outcome == Outcome.RESOLVED_BY_ASSISTANT


def test_idle_sessions_are_closed_by_the_sweep(faq, customer):
    from datetime import timedelta

    from django.utils import timezone

    turn = actions.ask(
        None, message="信用卡怎么激活", user=customer, now=timezone.now() - timedelta(hours=2)
    )
    assert actions.close_idle_sessions() == 1
    assert ChatSession.objects.get(pk=turn.session.pk).status == ChatSession.Status.CLOSED


def test_nobody_else_can_continue_or_close_a_session(faq, customer, other_customer):
    turn = actions.ask(None, message="信用卡怎么激活", user=customer)
    with pytest.raises(PermissionDenied):
        actions.ask(turn.session, message="年费多少", user=other_customer)
    with pytest.raises(PermissionDenied):
        actions.close_session(turn.session, user=other_customer)
    with pytest.raises(PermissionDenied):
        actions.give_feedback(turn, helpful=True, user=other_customer)
    assert not queries.own_sessions(other_customer).exists()


def test_anonymous_visitor_owns_a_session_by_browser_key(faq, branch):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    turn = actions.ask(None, message="怎么开户", user=anonymous, browser_key="abc")
    assert turn.session.user is None and turn.session.browser_key == "abc"
    with pytest.raises(PermissionDenied):
        actions.ask(turn.session, message="年费", user=anonymous, browser_key="other")
    with pytest.raises(PermissionDenied):
        actions.ask(None, message="怎么开户", user=anonymous)


@pytest.mark.parametrize("message", ["", "   ", "x" * 1001])
def test_bad_messages_are_refused(faq, customer, message):
    with pytest.raises(ValidationError):
        actions.ask(None, message=message, user=customer)


def test_progress_is_answered_from_the_customers_own_case(
    faq, customer, other_customer, branch, other_branch
):
    mine = open_loan(customer, branch=branch)
    theirs = open_loan(other_customer, branch=other_branch)
    turn = actions.ask(None, message="我的贷款审批到哪一步了", user=customer)
    assert turn.intent == ChatTurn.Intent.PROGRESS
    assert mine.reference in turn.answer and theirs.reference not in turn.answer
    assert mine.current_step.step.name_zh in turn.answer
    assert turn.sources == [
        {
            "key": f"case:{mine.reference}",
            "title": mine.reference,
            "url": f"/transparency/my/{mine.reference}/",
        }
    ]
    assert mine.views.count() == 1  # counted as online tracking
    other = actions.ask(None, message="Where is my loan application?", user=other_customer)
    assert theirs.reference in other.answer and mine.reference not in other.answer
    assert "Initial" in other.answer or "received" in other.answer.lower()


def test_progress_for_a_customer_without_cases_and_for_anonymous(
    faq, customer, other_customer, branch
):
    from django.contrib.auth.models import AnonymousUser

    theirs = open_loan(other_customer, branch=branch)
    none = actions.ask(None, message="我的贷款审批到哪一步了", user=customer)
    assert none.intent == ChatTurn.Intent.PROGRESS and theirs.reference not in none.answer
    assert not none.sources
    anonymous = actions.ask(
        None, message="我的贷款审批到哪一步了", user=AnonymousUser(), browser_key="k"
    )
    assert anonymous.intent == ChatTurn.Intent.PROGRESS
    assert anonymous.sources[0]["url"] == "/track/"


def test_staff_never_get_case_data_from_the_assistant(faq, customer, service_agent, branch):
    case = open_loan(customer, branch=branch)
    turn = actions.ask(None, message="我的贷款审批到哪一步了", user=service_agent)
    assert case.reference not in turn.answer


def test_feedback_is_stored(faq, customer):
    turn = actions.ask(None, message="信用卡怎么激活", user=customer)
    actions.give_feedback(turn, helpful=False, user=customer)
    assert ChatTurn.objects.get(pk=turn.pk).feedback == -1


def test_agent_of_the_branch_takes_over(faq, customer, service_agent, other_service_agent):
    turn = actions.ask(None, message="转人工", user=customer)
    session = turn.session
    assert list(queries.handed_over_sessions(service_agent)) == [session]
    assert not queries.handed_over_sessions(other_service_agent).exists()
    with pytest.raises(PermissionDenied):
        actions.take_over(session, actor=other_service_agent)
    actions.take_over(session, actor=service_agent)
    assert ChatSession.objects.get(pk=session.pk).taken_by == service_agent


def test_handed_over_online_contact_is_answered_on_take_over_and_closed_when_done(
    faq, customer, service_agent
):
    from services.models import ServiceRecord

    session = actions.ask(None, message="转人工", user=customer).session
    session.refresh_from_db()
    waiting = ServiceRecord.objects.get(pk=session.handover_record_id)
    assert waiting.channel == "online" and waiting.called_at is None and not waiting.outcome

    actions.take_over(session, actor=service_agent)
    waiting.refresh_from_db()
    assert waiting.called_at is not None and waiting.agent == service_agent

    actions.finish_handover(session, actor=service_agent)
    waiting.refresh_from_db()
    assert waiting.outcome == "served" and waiting.finished_at is not None


def test_curation_lists_unanswered_questions_most_frequent_first(faq, customer, branch_manager):
    for _ in range(3):
        actions.ask(None, message="保险箱怎么租", user=customer)
    actions.ask(None, message="明天天气怎么样", user=customer)
    answered = actions.ask(None, message="信用卡怎么激活", user=customer)
    actions.give_feedback(answered, helpful=False, user=customer)
    questions = queries.curation_questions()
    assert [q.question for q in questions][:2] == ["保险箱怎么租", "明天天气怎么样"] or questions[
        0
    ].asked == 3
    assert questions[0].asked == 3 and questions[0].handed_over == 3
    assert any(q.question == "信用卡怎么激活" and q.thumbs_down == 1 for q in questions)
    assert actions.mark_curated("保险箱怎么租", actor=branch_manager) == 3
    assert "保险箱怎么租" not in [q.question for q in queries.curation_questions()]


def test_conversations_feed_the_bot_containment_kpi(faq, customer, other_customer):
    from django.utils import timezone

    from qc_portal.periods import Period
    from services.metrics import bot_containment

    contained = actions.ask(None, message="信用卡怎么激活", user=customer)
    actions.close_session(contained.session, user=customer)
    actions.ask(None, message="转人工", user=other_customer)
    actions.ask(None, message="信用卡年费", user=customer)  # still open: not counted yet
    result = bot_containment(Period.containing(timezone.now(), "month"))[None]
    assert (result.numerator, result.denominator) == (1, 2)
