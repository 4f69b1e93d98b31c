import time

import pytest
from django.test import override_settings

from assistant import engine, retrieval
from assistant.models import FaqEntry
from assistant.retrieval import Document, KnowledgeIndex
from assistant.text import normalise, stem, tokens


def test_chinese_is_segmented_and_traditional_folded():
    assert "贷款" in tokens("我的貸款審批")
    assert "审批" in tokens("我的貸款審批")
    assert normalise("轉人工") == "转人工"


def test_english_is_lowercased_and_stemmed():
    bag = tokens("Opening CARDS")
    assert "开" in bag and "卡" in bag  # open → 开, card → 卡 (shared with Chinese)
    assert stem("charges") == "charg"
    assert "the" not in tokens("the")


def test_bm25_ranks_the_matching_document_first():
    index = KnowledgeIndex.build(
        [
            Document("faq:a", "信用卡怎么激活"),
            Document("faq:b", "银行卡丢了怎么挂失"),
            Document("faq:c", "How do I activate my credit card?"),
        ]
    )
    assert index.search("卡丢了")[0].key == "faq:b"
    assert index.search("activate credit card")[0].key in {"faq:a", "faq:c"}
    assert index.search("") == []


def test_an_unknown_question_has_low_confidence():
    index = KnowledgeIndex.build(
        [Document("faq:a", "信用卡怎么激活"), Document("faq:b", "定期存款利率")]
    )
    hits = index.search("明天北京天气怎么样")
    assert not hits or hits[0].confidence < 0.3


def test_chinese_question_finds_the_account_opening_faq(faq):
    reply = engine.respond("我想开户，要带什么证件")
    assert reply.top_key == "faq:open_personal_account"
    assert not reply.handover
    assert reply.language == "zh-hans"
    assert reply.sources[0]["key"] == "faq:open_personal_account"
    assert "身份证" in reply.answer


def test_english_question_is_answered_in_english(faq):
    reply = engine.respond("I lost my card, what should I do?")
    assert reply.top_key == "faq:lost_card"
    assert reply.language == "en"
    assert "hotline" in reply.answer


def test_requested_language_wins_over_detection(faq):
    reply = engine.respond("lost card", language="zh-hans")
    assert reply.language == "zh-hans"
    assert "挂失" in reply.answer


def test_asking_for_a_person_hands_over(faq):
    for message in (
        "转人工",
        "轉人工",
        "我要人工客服",
        "I want to talk to a human",
        "connect me to an agent",
    ):
        reply = engine.respond(message)
        assert reply.handover and reply.intent == "handover_asked", message


def test_below_the_threshold_hands_over(faq):
    reply = engine.respond("明天天气怎么样")
    assert reply.handover and reply.intent == "low_confidence"


def test_threshold_comes_from_the_setting(faq):
    question = "我想开户，要带什么证件"
    confidence = engine.respond(question).confidence
    with override_settings(QC_ASSISTANT_MIN_CONFIDENCE=confidence):
        assert not engine.respond(question).handover  # exactly at the threshold: answered
    with override_settings(QC_ASSISTANT_MIN_CONFIDENCE=confidence + 0.0001):
        assert engine.respond(question).handover


def test_index_is_cached_and_rebuilt_when_the_faq_changes(faq, branch_manager):
    from assistant import actions

    first = retrieval.get_index()
    assert retrieval.get_index() is first
    actions.save_faq_entry(
        "safe_deposit_box",
        business_type="general",
        questions_zh=["保险箱怎么租"],
        questions_en=["How do I rent a safe deposit box?"],
        answer_zh="请到网点咨询保险箱租用。",
        answer_en="Ask at a branch about renting a safe deposit box.",
        actor=branch_manager,
    )
    second = retrieval.get_index()
    assert second is not first and second.stamp != first.stamp
    assert engine.respond("保险箱怎么租").top_key == "faq:safe_deposit_box"


def test_rebuild_task_warms_the_shared_cache(faq):
    from django.core.cache import cache

    from assistant import tasks

    stamp = tasks.rebuild_index()
    assert cache.get(retrieval.CACHE_PREFIX + stamp) is not None
    retrieval.forget_index()
    assert retrieval.get_index().stamp == stamp


def test_answers_in_well_under_100_ms(faq):
    engine.respond("warm up")
    started = time.perf_counter()
    for question in (
        "我的卡丢了怎么办",
        "How long does a transfer take?",
        "房贷利率是多少",
        "定期能提前取吗",
    ):
        engine.respond(question)
    assert (time.perf_counter() - started) / 4 < 0.1


@pytest.mark.parametrize("message", ["你好", "hello", "谢谢"])
def test_greetings_are_not_handed_over(faq, message):
    reply = engine.respond(message)
    assert reply.intent == "greeting" and not reply.handover


def test_faq_changes_enqueue_one_index_rebuild_after_commit(
    db, branch_manager, django_capture_on_commit_callbacks, monkeypatch
):
    from assistant import actions, knowledge, tasks

    calls = []
    monkeypatch.setattr(tasks.rebuild_index, "delay", lambda: calls.append(1))
    with django_capture_on_commit_callbacks(execute=True):
        actions.import_faq(knowledge.load_faq_file()[:5], actor_label="test")
    assert calls == [1]
    with django_capture_on_commit_callbacks(execute=True):
        actions.import_faq(knowledge.load_faq_file()[:5], actor_label="test")  # unchanged: nothing
    assert calls == [1]
    entry = FaqEntry.objects.first()
    with django_capture_on_commit_callbacks(execute=True):
        actions.retire_faq_entry(entry, actor=branch_manager)
    assert calls == [1, 1]


def test_beat_schedule_has_the_assistant_jobs(settings):
    assert {"assistant-close-idle-sessions", "assistant-refresh-index"} <= set(
        settings.CELERY_BEAT_SCHEDULE
    )
