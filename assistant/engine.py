"""Decide the assistant's reply to one message. Reads only; `actions.ask` stores the turn.

Order: an explicit request for a person → hand over; a progress question → the customer's
own cases (transparency), never anyone else's; a greeting → a greeting; otherwise retrieval
over the FAQ and the manuals, answered when the best match reaches the confidence threshold
and handed over below it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from assistant import knowledge, retrieval
from assistant.models import ChatTurn
from assistant.text import is_chinese, normalise

LANGUAGES = ("zh-hans", "en")

HANDOVER_ZH = re.compile(
    r"转人工|人工客服|人工服务|找人工|接人工|要人工|真人|客服人员|人工坐席|人工$|^人工"
)
HANDOVER_EN = re.compile(
    r"\b(human|real person|live (agent|person|chat)|an agent|to an agent|customer service agent|"
    r"speak to (someone|a person|somebody)|talk to (someone|a person|somebody|staff)|representative|operator)\b"
)
# "Where is MY application?" as opposed to "how do I track an application?" (an FAQ).
PROGRESS_ZH = re.compile(
    r"(到哪|哪一步|哪个阶段|什么阶段|几步|进展|怎么样了|批了没|批下来了?没|批了吗|批下来了吗|审批结果|办好了没|办好了吗|"
    r"进度|状态|审到|审批到|下来了吗|还要多久|什么时候能(批|放款|办好))"
)
PROGRESS_ZH_OWN = re.compile(r"我的|我(申请|办|提交|贷)|我那|我家")
HOW_TO_ZH = re.compile(
    r"怎么查|如何查|怎样查|在哪(里|儿)?(看|查)|哪里(看|查)|怎么看|查询码|受理编号|没有登录|不登录"
)
PROGRESS_EN = re.compile(
    r"(where is my|status of my|my \w+( \w+)? (status|progress|stage)|has my .* been (approved|processed)|"
    r"\bmy (\w+ )?(application|loan|mortgage|request|card|account)\b.*\b(status|stage|progress|step)\b|"
    r"what stage is my|what step is my|progress (of|on) my|how is my .* going|is my .* (approved|ready|done))"
)
HOW_TO_EN = re.compile(
    r"\b(how (can|do) i (track|check|see|follow)|where can i (see|check|track)|without (logging|signing) in|access code|reference number)\b"
)
GREETING = re.compile(
    r"^(你好|您好|hi|hello|hey|早上好|下午好|晚上好|在吗|谢谢|thanks|thank you|good (morning|afternoon|evening))[!！。.,， ]*$"
)

# Words that narrow a progress question to one kind of application.
CASE_HINTS = [
    (re.compile(r"房贷|按揭|mortgage|home loan"), {"mortgage"}),
    (re.compile(r"经营贷|business loan"), {"business_loan"}),
    (re.compile(r"贷款|消费贷|借款|loan"), {"consumer_loan", "mortgage", "business_loan"}),
    (re.compile(r"开户|账户|account"), {"account_opening"}),
    (re.compile(r"信用卡|卡片|办卡|card"), {"card_application"}),
    (re.compile(r"理财|wealth|investment"), {"wealth_product"}),
]


@dataclass
class Reply:
    answer: str
    intent: str
    language: str
    confidence: float = 0.0
    sources: list[dict] = field(default_factory=list)
    top_key: str = ""
    handover: bool = False
    business_type: str = ""
    cases: list = field(default_factory=list)  # the customer's cases the answer spoke of
    latency_ms: float = 0.0

    @property
    def answered(self) -> bool:
        return not self.handover


def detect_language(message: str, requested: str = "") -> str:
    if requested in LANGUAGES:
        return requested
    return "zh-hans" if is_chinese(message) else "en"


def wants_person(text: str) -> bool:
    return bool(HANDOVER_ZH.search(text) or HANDOVER_EN.search(text))


def asks_progress(text: str) -> bool:
    if HOW_TO_ZH.search(text) or HOW_TO_EN.search(text):
        return False
    if PROGRESS_EN.search(text):
        return True
    return bool(PROGRESS_ZH.search(text) and (PROGRESS_ZH_OWN.search(text) or len(text) <= 12))


def _in(language: str):
    return translation.override("en" if language == "en" else "zh-hans")


def respond(message: str, *, user=None, language: str = "") -> Reply:
    started = time.perf_counter()
    language = detect_language(message, language)
    text = normalise(message).strip()
    with _in(language):
        reply = _decide(text, message, user=user, language=language)
    reply.latency_ms = (time.perf_counter() - started) * 1000
    return reply


def _decide(text: str, message: str, *, user, language: str) -> Reply:
    if wants_person(text):
        return Reply(
            _(
                "I am connecting you with a customer-service agent. They will see our conversation so far, so you will not need to repeat yourself."
            ),
            ChatTurn.Intent.HANDOVER_ASKED,
            language,
            confidence=1.0,
            handover=True,
        )
    if asks_progress(text):
        return progress_reply(text, user=user, language=language)
    if GREETING.match(text):
        return Reply(
            _(
                "Hello! Ask me about accounts, cards, transfers, deposits, loans, mortgages, wealth products, or the progress of your application."
            ),
            ChatTurn.Intent.GREETING,
            language,
            confidence=1.0,
        )
    return knowledge_reply(message, language=language)


def knowledge_reply(message: str, *, language: str) -> Reply:
    index = retrieval.get_index()
    hits = index.search(message, limit=8)
    threshold = retrieval.min_confidence()
    # A curated FAQ answer, written as an answer, beats a manual section when both qualify.
    best = next((h for h in hits if h.kind == "faq" and h.confidence >= threshold), None)
    best = best or (hits[0] if hits else None)
    if best is None or best.confidence < threshold:
        return Reply(
            _(
                "I am not sure I can answer that correctly, so I am passing you to a customer-service agent who will continue with you here."
            ),
            ChatTurn.Intent.LOW_CONFIDENCE,
            language,
            confidence=best.confidence if best else 0.0,
            top_key=best.key if best else "",
            handover=True,
        )
    source = knowledge.source_for(best.key, language)
    if source is None:  # the knowledge changed between indexing and now
        return Reply(
            _("I am passing you to a customer-service agent."),
            ChatTurn.Intent.LOW_CONFIDENCE,
            language,
            handover=True,
        )
    sources = [source.as_dict()]
    if best.kind == "faq":
        # Point to the manual section behind the answer too, when one matches well.
        manual = next((h for h in hits if h.kind == "manual" and h.confidence >= threshold), None)
        if manual is not None and (extra := knowledge.source_for(manual.key, language)) is not None:
            sources.append(extra.as_dict())
        answer, intent = source.text, ChatTurn.Intent.FAQ
    else:
        answer, intent = _manual_answer(source), ChatTurn.Intent.MANUAL
    return Reply(
        answer,
        intent,
        language,
        confidence=best.confidence,
        sources=sources,
        top_key=best.key,
        business_type=_business_type(best.key),
    )


def _manual_answer(source: knowledge.Source) -> str:
    body = re.sub(r"[#*_`>]+", "", source.text).strip()
    if len(body) > 600:
        body = body[:600].rsplit("\n", 1)[0] + " …"
    return body


def _business_type(key: str) -> str:
    if key.startswith("faq:"):
        from assistant.models import FaqEntry

        return (
            FaqEntry.objects.filter(key=key[4:]).values_list("business_type", flat=True).first()
            or ""
        )
    return key.split(":")[1] if key.startswith("manual:") else ""


def progress_reply(text: str, *, user, language: str) -> Reply:
    """The customer's own cases, from transparency. Anyone who is not a signed-in customer
    gets directions, never case data."""
    from transparency import queries as cases

    if user is None or not getattr(user, "is_authenticated", False):
        return Reply(
            _(
                "Please sign in to see the progress of your applications, or use the Track page with your reference number and access code."
            ),
            ChatTurn.Intent.PROGRESS,
            language,
            confidence=1.0,
            sources=[{"key": "page:track", "title": _("Track an application"), "url": "/track/"}],
            business_type="progress",
        )
    mine = cases.customer_cases(user)
    open_cases = list(mine.filter(status="open").order_by("-opened_at")[:10])
    wanted = set()
    for pattern, types in CASE_HINTS:
        if pattern.search(text):
            wanted = types
            break
    chosen = [
        case for case in open_cases if not wanted or case.business_type in wanted
    ] or open_cases
    if not chosen:
        return Reply(
            _(
                "You have no application in progress with us at the moment. Finished applications are listed under My applications."
            ),
            ChatTurn.Intent.PROGRESS,
            language,
            confidence=1.0,
            business_type="progress",
        )
    lines, sources = [], []
    for case in chosen[:3]:
        progress = cases.progress_of(case)
        step = progress.current
        step_name = (
            (step.name_en if language == "en" else step.name_zh) if step else _("being completed")
        )
        template = case.template
        what = case.title or (template.name_en if language == "en" else template.name_zh)
        expected = progress.expected_completion_at
        if expected is not None:
            when = formats.date_format(timezone.localtime(expected), "Y-m-d")
            lines.append(
                _(
                    "Your %(what)s (reference %(reference)s) is at the step “%(step)s”; expected completion: %(date)s."
                )
                % {"what": what, "reference": case.reference, "step": step_name, "date": when}
            )
        else:
            lines.append(
                _("Your %(what)s (reference %(reference)s) is at the step “%(step)s”.")
                % {"what": what, "reference": case.reference, "step": step_name}
            )
        if progress.next_step is not None:
            next_name = (
                progress.next_step.name_en if language == "en" else progress.next_step.name_zh
            )
            lines.append(_("After that comes: %(step)s.") % {"step": next_name})
        sources.append(
            {
                "key": f"case:{case.reference}",
                "title": case.reference,
                "url": f"/transparency/my/{case.reference}/",
            }
        )
    return Reply(
        "\n".join(lines),
        ChatTurn.Intent.PROGRESS,
        language,
        confidence=1.0,
        sources=sources,
        business_type="progress",
        cases=chosen[:3],
    )
