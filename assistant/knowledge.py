"""What the assistant knows: the FAQ (this app) and the published process manuals
(transparency), turned into retrieval documents, plus the answer text and source for a key."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Count, Max, Q

from assistant.models import FaqEntry
from assistant.retrieval import Document

FAQ_FILE = Path(__file__).resolve().parent / "knowledge" / "faq.json"
# An FAQ answer also matches questions, but a variant is the stronger evidence.
ANSWER_WEIGHT = 0.6
SECTION_WEIGHT = 0.9
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*(?:\{#([\w-]+)\})?\s*$")


def load_faq_file(path: Path = FAQ_FILE) -> list[dict]:
    """The demo / starter FAQ: a list of {key, business_type, questions_zh[], questions_en[],
    answer_zh, answer_en}."""
    return json.loads(path.read_text(encoding="utf-8"))


def _manual_queries():
    from transparency import queries

    return queries


def current_stamp() -> str:
    """A fingerprint of the knowledge: changes whenever an FAQ entry or a current manual does."""
    faq = FaqEntry.objects.aggregate(
        changed=Max("updated_at"),
        active=Count("id", filter=Q(is_active=True)),
        latest=Max("current_id"),
    )
    manuals = list(_manual_queries().current_manuals().values_list("pk", flat=True))
    raw = f"{faq['changed']}|{faq['active']}|{faq['latest']}|{manuals}"
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Section:
    business_type: str
    anchor: str
    title: str
    body: str

    @property
    def key(self) -> str:
        return f"manual:{self.business_type}:{self.anchor}"


def split_sections(business_type: str, markdown: str) -> list[Section]:
    """A manual's Markdown cut at each heading: (anchor, heading text, text under it)."""
    sections: list[Section] = []
    title, anchor, lines = None, None, []

    def flush():
        if title is not None and "\n".join(lines).strip():
            sections.append(Section(business_type, anchor, title, "\n".join(lines).strip()))

    for line in (markdown or "").splitlines():
        match = _HEADING.match(line)
        if match:
            flush()
            title = match.group(2).strip()
            anchor = match.group(3) or f"s{len(sections) + 1}"
            lines = []
        elif title is not None:
            lines.append(line)
    flush()
    return sections


def manual_sections(language: str = "") -> list[Section]:
    sections = []
    for manual in _manual_queries().current_manuals():
        if language in ("", "zh-hans"):
            sections += split_sections(manual.business_type, manual.body_zh)
        if language in ("", "en"):
            sections += split_sections(manual.business_type, manual.body_en)
    return sections


def collect_documents() -> list[Document]:
    documents: list[Document] = []
    entries = FaqEntry.objects.filter(is_active=True, current__isnull=False).select_related(
        "current"
    )
    for entry in entries:
        version, key = entry.current, f"faq:{entry.key}"
        documents += [Document(key, q, "zh-hans") for q in version.variants_zh]
        documents += [Document(key, q, "en") for q in version.variants_en]
        documents.append(Document(key, version.answer_zh, "zh-hans", ANSWER_WEIGHT))
        documents.append(Document(key, version.answer_en, "en", ANSWER_WEIGHT))
    for manual in _manual_queries().current_manuals():
        for language, body in (("zh-hans", manual.body_zh), ("en", manual.body_en)):
            for section in split_sections(manual.business_type, body):
                # The heading says what the section is about: count it twice.
                text = f"{section.title}\n{section.title}\n{section.body}"
                documents.append(Document(section.key, text, language, SECTION_WEIGHT))
    return documents


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    url: str
    text: str

    def as_dict(self) -> dict:
        return {"key": self.key, "title": self.title, "url": self.url}


def faq_source(key: str, language: str) -> Source | None:
    entry_key = key.split(":", 1)[1]
    entry = FaqEntry.objects.filter(key=entry_key, is_active=True).select_related("current").first()
    if entry is None or entry.current is None:
        return None
    version = entry.current
    english = language == "en"
    variants = version.variants_en if english else version.variants_zh
    return Source(
        key=key,
        title=(variants[0] if variants else entry.key),
        url="",
        text=version.answer_en if english else version.answer_zh,
    )


def manual_source(key: str, language: str) -> Source | None:
    _kind, business_type, anchor = key.split(":", 2)
    manual = _manual_queries().current_manual(business_type)
    if manual is None:
        return None
    body = manual.body_en if language == "en" else manual.body_zh
    section = next((s for s in split_sections(business_type, body) if s.anchor == anchor), None)
    if section is None:
        return None
    manual_title = manual.title_en if language == "en" else manual.title_zh
    return Source(
        key=key,
        title=f"{manual_title} · {section.title} (v{manual.version})",
        url=f"/transparency/manuals/{business_type}/#{anchor}",
        text=section.body,
    )


def source_for(key: str, language: str) -> Source | None:
    if key.startswith("faq:"):
        return faq_source(key, language)
    if key.startswith("manual:"):
        return manual_source(key, language)
    return None
