"""Pages: the customer chat (htmx), agents' hand-over queue, and the FAQ curation pages of
the customer-service department. Thin: parse, call an action or a query, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from assistant import actions, permissions, queries
from assistant.api import browser_key
from assistant.models import BusinessType, ChatSession, FaqEntry

SESSION_KEY = "assistant_session"


def _current_session(request) -> ChatSession | None:
    public_id = request.session.get(SESSION_KEY)
    if not public_id:
        return None
    return (
        queries.own_sessions(request.user, browser_key=browser_key(request))
        .filter(public_id=public_id, status=ChatSession.Status.OPEN)
        .first()
    )


def _language() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh-hans"


def chat(request):
    """The assistant page (customers and anonymous visitors)."""
    session = _current_session(request)
    turns = list(queries.transcript(session)) if session else []
    return render(request, "assistant/chat.html", {"session": session, "turns": turns})


def ask(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    session = _current_session(request)
    try:
        turn = actions.ask(
            session,
            message=request.POST.get("message", ""),
            user=request.user,
            browser_key=browser_key(request, create=True),
            language=_language(),
        )
    except ValidationError as error:
        return render(request, "assistant/_error.html", {"errors": error.messages}, status=400)
    except PermissionDenied:
        request.session.pop(SESSION_KEY, None)
        raise
    if turn.session.is_open:
        request.session[SESSION_KEY] = str(turn.session.public_id)
    else:  # handed over: the next question starts a new conversation
        request.session.pop(SESSION_KEY, None)
    template = "assistant/_turn.html" if request.headers.get("HX-Request") else None
    if template:
        return render(
            request,
            template,
            {"turn": turn, "handed_over": not turn.session.is_open, "oob_input": True},
        )
    return redirect("assistant:chat")


def feedback(request, session, position: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    chat_session = (
        queries.own_sessions(request.user, browser_key=browser_key(request))
        .filter(public_id=session)
        .first()
    )
    turn = chat_session.turns.filter(position=position).first() if chat_session else None
    if turn is None:
        raise Http404
    turn = actions.give_feedback(
        turn,
        helpful=request.POST.get("helpful") == "1",
        user=request.user,
        browser_key=browser_key(request),
    )
    return render(request, "assistant/_feedback.html", {"turn": turn, "session": chat_session})


def end(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    session = _current_session(request)
    if session is not None:
        actions.close_session(session, user=request.user, browser_key=browser_key(request))
        messages.success(request, _("Thank you. The conversation has ended."))
    request.session.pop(SESSION_KEY, None)
    return redirect("assistant:chat")


# --- agents -----------------------------------------------------------------------------


@login_required
def handovers(request):
    if not permissions.can_see_handovers(request.user):
        raise PermissionDenied
    page = Paginator(queries.handed_over_sessions(request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "assistant/handovers.html", {"page": page, "sessions": page.object_list})


@login_required
def handover_detail(request, session):
    chat_session = get_object_or_404(queries.handed_over_sessions(request.user), public_id=session)
    if request.method == "POST":
        try:
            if request.POST.get("step") == "finish":
                actions.finish_handover(chat_session, actor=request.user)
                messages.success(request, _("The conversation is marked as dealt with."))
                return redirect("assistant:handovers")
            actions.take_over(chat_session, actor=request.user)
            messages.success(request, _("You have taken over this conversation."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("assistant:handover", session=chat_session.public_id)
    return render(
        request,
        "assistant/handover_detail.html",
        {"chat": chat_session, "turns": queries.transcript(chat_session)},
    )


# --- curation ---------------------------------------------------------------------------


def _require_curator(request) -> None:
    if not permissions.can_curate(request.user):
        raise PermissionDenied


@login_required
def curation(request):
    _require_curator(request)
    if request.method == "POST":
        try:
            count = actions.mark_curated(request.POST.get("question", ""), actor=request.user)
            messages.success(
                request, _("Marked %(count)s asked question(s) as dealt with.") % {"count": count}
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("assistant:curation")
    return render(request, "assistant/curation.html", {"questions": queries.curation_questions()})


@login_required
def faq_list(request):
    _require_curator(request)
    business_type = request.GET.get("type", "")
    if business_type not in BusinessType.values:
        business_type = ""
    search = request.GET.get("q", "").strip()[:100]
    entries = queries.faq_entries(business_type=business_type, search=search)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "assistant/faq_list.html",
        {
            "page": page,
            "entries": page.object_list,
            "types": BusinessType.choices,
            "type": business_type,
            "q": search,
        },
    )


@login_required
def faq_edit(request, key: str = ""):
    """Create an entry (optionally from a curated question) or save a new version of one."""
    _require_curator(request)
    entry = get_object_or_404(FaqEntry.objects.select_related("current"), key=key) if key else None
    current = entry.current if entry else None
    from_question = request.GET.get("question", "")[:300] if entry is None else ""
    if request.method == "POST":
        values = {
            name: request.POST.get(name, "")
            for name in (
                "key",
                "business_type",
                "questions_zh",
                "questions_en",
                "answer_zh",
                "answer_en",
                "change_note",
                "from_question",
            )
        }
        try:
            actions.save_faq_entry(
                entry.key if entry else values["key"],
                business_type=values["business_type"],
                questions_zh=values["questions_zh"],
                questions_en=values["questions_en"],
                answer_zh=values["answer_zh"],
                answer_en=values["answer_en"],
                change_note=values["change_note"],
                actor=request.user,
            )
        except ValidationError as error:
            return render(
                request,
                "assistant/faq_edit.html",
                {
                    "entry": entry,
                    "values": values,
                    "errors": error.message_dict,
                    "types": BusinessType.choices,
                },
                status=400,
            )
        if values["from_question"]:
            actions.mark_curated(values["from_question"], actor=request.user)
        messages.success(
            request, _("The FAQ entry is saved; the assistant uses it within moments.")
        )
        return redirect("assistant:faq")
    values = {
        "key": entry.key if entry else "",
        "business_type": entry.business_type if entry else "",
        "questions_zh": current.questions_zh if current else "",
        "questions_en": current.questions_en if current else "",
        "answer_zh": current.answer_zh if current else "",
        "answer_en": current.answer_en if current else "",
        "change_note": "",
        "from_question": from_question,
    }
    if from_question:
        target = "questions_en" if request.GET.get("language") == "en" else "questions_zh"
        values[target] = from_question
    versions = (
        entry.versions.select_related("created_by").order_by("-version")[:20] if entry else []
    )
    return render(
        request,
        "assistant/faq_edit.html",
        {
            "entry": entry,
            "values": values,
            "errors": {},
            "types": BusinessType.choices,
            "versions": versions,
            "cancel_url": reverse("assistant:faq"),
        },
    )


@login_required
def faq_retire(request, key: str):
    _require_curator(request)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    entry = get_object_or_404(FaqEntry, key=key)
    actions.retire_faq_entry(entry, actor=request.user)
    messages.success(request, _("The entry is no longer used for answers."))
    return redirect("assistant:faq")
