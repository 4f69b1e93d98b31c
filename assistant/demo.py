"""Demo data for the assistant: the FAQ (the same file the evaluation uses), the index, and
past conversations — answered ones, hand-overs and questions nobody could answer yet, so the
hand-over queue and the curation page have content. Everything goes through the actions."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AnonymousUser

from assistant import actions, knowledge, retrieval
from assistant.evaluation import load_questions
from assistant.models import ChatSession

SESSIONS = {"small": 20, "medium": 80, "bank": 400}
# Real questions the FAQ does not cover yet: curation turns the frequent ones into entries.
UNANSWERED = [
    "保险箱怎么租",
    "保险箱怎么租",
    "保险箱怎么租",
    "How do I rent a safe deposit box?",
    "我想应聘你们银行的工作",
    "可以开具收入证明吗",
    "可以开具收入证明吗",
    "Can I get a paper statement every month?",
    "老人行动不便可以上门办理吗",
    "老人行动不便可以上门办理吗",
    "Do you have a branch at the airport?",
]


def seed(context) -> None:
    added = actions.import_faq(knowledge.load_faq_file(), actor_label="demo")
    index = retrieval.build_and_cache()
    context.notes.append(
        f"assistant: {added} FAQ versions loaded, index of {len(index)} documents "
        f"({index.built_in_ms:.0f} ms). Log in as 'customer' → Ask the assistant; "
        "`manage.py evaluate_assistant` prints the quality figures."
    )
    if ChatSession.objects.exists():
        return
    rng = context.rng
    now = context.now
    questions = [q for q in load_questions() if q["expected"] not in ("handover", "progress")]
    customer = context.logins.get("customer")
    count = SESSIONS.get(context.scale, 20)
    for number in context.progress(range(count), total=count, desc="assistant sessions"):
        started = now - timedelta(days=rng.uniform(0.2, 30))
        user = customer if number % 4 == 0 and customer is not None else AnonymousUser()
        key = "" if user is customer else f"demo-{number}"
        first = rng.choice(questions)["question"]
        turn = actions.ask(None, message=first, user=user, browser_key=key, now=started)
        session = turn.session
        if not session.is_open:  # the first question was already handed over
            continue
        if number % 5 == 1:
            actions.ask(
                session,
                message=UNANSWERED[number % len(UNANSWERED)],
                user=user,
                browser_key=key,
                now=started + timedelta(minutes=1),
            )
        elif number % 7 == 2:
            actions.ask(
                session,
                message=rng.choice(["转人工", "I want to talk to a human"]),
                user=user,
                browser_key=key,
                now=started + timedelta(minutes=1),
            )
        else:
            actions.give_feedback(turn, helpful=rng.random() < 0.85, user=user, browser_key=key)
            actions.close_session(
                session, actor_label=actions.ACTOR_LABEL, now=started + timedelta(minutes=3)
            )
    for number, question in enumerate(UNANSWERED):
        turn = actions.ask(
            None,
            message=question,
            user=AnonymousUser(),
            browser_key=f"demo-u{number}",
            now=now - timedelta(days=rng.uniform(0.1, 10)),
        )
    if customer is not None:
        # The customer's own story: how to open an account, where the loan is, then a person.
        moment = now - timedelta(minutes=20)
        turn = actions.ask(None, message="怎么开户", user=customer, now=moment)
        actions.ask(
            turn.session,
            message="我的贷款审批到哪一步了",
            user=customer,
            now=moment + timedelta(minutes=1),
        )
        actions.ask(
            turn.session, message="转人工", user=customer, now=moment + timedelta(minutes=2)
        )
        context.notes.append(
            "assistant: the 'customer' login's latest conversation was handed over; log in as "
            "'service_agent' → Chat hand-overs to read the transcript."
        )
