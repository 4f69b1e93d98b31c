from datetime import timedelta

from django.utils import timezone

from assistant import engine, knowledge, retrieval
from assistant.models import ChatTurn
from transparency import actions as transparency_actions

BODY_ZH = """# 保管箱业务手册

## 1. 申请租用保管箱 {#apply}
客户携带身份证到网点填写保管箱租用申请，选择箱型并缴纳租金和保证金。

## 2. 开箱与退租 {#close}
退租时请本人到网点交回钥匙，结清租金后退还保证金。
"""
BODY_EN = """# Safe deposit box manual

## 1. Renting a safe deposit box {#apply}
Bring your ID card to a branch, fill in the rental form, choose a box size and pay the rent and deposit.

## 2. Returning the box {#close}
Return the keys at the branch; the deposit is refunded once the rent is settled.
"""


def publish(business_type="wealth_product"):
    today = timezone.localdate()
    return transparency_actions.publish_manual(
        business_type,
        title_zh="保管箱业务手册",
        title_en="Safe deposit box manual",
        body_zh=BODY_ZH,
        body_en=BODY_EN,
        department_code="customer_service",
        next_review_on=today + timedelta(days=365),
        actor=None,
        published_on=today,
    )


def test_manuals_are_split_at_their_headings():
    sections = knowledge.split_sections("x", BODY_ZH)
    assert [(s.anchor, s.title) for s in sections] == [
        ("apply", "1. 申请租用保管箱"),
        ("close", "2. 开箱与退租"),
    ]
    assert "身份证" in sections[0].body and "钥匙" not in sections[0].body
    assert knowledge.split_sections("x", "no headings") == []


def test_a_question_only_the_manual_covers_gets_the_manual_section_with_its_source(faq):
    publish()
    retrieval.forget_index()
    reply = engine.respond("保管箱怎么租用，要带什么")
    assert reply.intent == ChatTurn.Intent.MANUAL and not reply.handover
    assert reply.top_key == "manual:wealth_product:apply"
    assert "身份证" in reply.answer
    assert reply.sources[0]["url"] == "/transparency/manuals/wealth_product/#apply"
    english = engine.respond("How do I rent a safe deposit box?")
    assert english.top_key == "manual:wealth_product:apply" and "ID card" in english.answer


def test_publishing_a_manual_changes_the_knowledge_stamp(faq):
    before = knowledge.current_stamp()
    publish()
    assert knowledge.current_stamp() != before
