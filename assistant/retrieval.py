"""Ranked retrieval over FAQ question variants and manual sections (Okapi BM25).

Every FAQ variant, every FAQ answer (at a lower weight) and every manual section is one
document; an FAQ entry or a section scores the best of its documents. BM25 is written out
here (it is short) rather than pulled in as a dependency.

Confidence (0..1) is how much of the question's information the best document explains: the
IDF-weighted share of the question's tokens that the document contains. Tokens the knowledge
base has never seen count at the highest IDF, so a question about something we know nothing of
has a low confidence even if one common word matches. Below the threshold
(`QC_ASSISTANT_MIN_CONFIDENCE`) the assistant hands over to a person.

The index is built in memory from the database and kept per process under a *stamp* of the
knowledge it was built from (see `knowledge.current_stamp`). Tokenising the documents is the
expensive part, so the tokenised documents are also put in Django's cache under the stamp: the
Celery task `assistant.rebuild_index` (enqueued on commit whenever an FAQ entry changes, and run
periodically to pick up newly published manuals) warms it, and every web process reuses it.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

from assistant.text import tokens

# Tuned on the evaluation set: above every out-of-scope question, below most answerable ones.
DEFAULT_MIN_CONFIDENCE = 0.3
CACHE_PREFIX = "assistant:index:"
CACHE_SECONDS = 24 * 3600
_CJK_WORD = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")
K1 = 1.2
B = 0.75


def min_confidence() -> float:
    return float(getattr(settings, "QC_ASSISTANT_MIN_CONFIDENCE", DEFAULT_MIN_CONFIDENCE))


@dataclass(frozen=True)
class Document:
    """One searchable text. `key` names what it answers with: `faq:<entry key>` or
    `manual:<business type>:<anchor>`; several documents can share a key."""

    key: str
    text: str
    language: str = "zh-hans"
    weight: float = 1.0


@dataclass(frozen=True)
class Hit:
    key: str
    score: float
    confidence: float

    @property
    def kind(self) -> str:
        return self.key.split(":", 1)[0]


class Bm25:
    """Okapi BM25 over weighted token bags, with an inverted index for speed."""

    def __init__(self, bags: list[dict[str, float]], *, k1: float = K1, b: float = B):
        self.k1, self.b = k1, b
        self.count = len(bags)
        self.lengths = [sum(bag.values()) for bag in bags]
        self.average_length = (sum(self.lengths) / self.count) if self.count else 0.0
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for index, bag in enumerate(bags):
            for token, frequency in bag.items():
                self.postings[token].append((index, frequency))
        self.idf = {
            token: math.log(1 + (self.count - len(docs) + 0.5) / (len(docs) + 0.5))
            for token, docs in self.postings.items()
        }
        # What an unseen token is worth: the IDF of a token found in no document.
        self.unseen_idf = math.log(1 + (self.count + 0.5) / 0.5) if self.count else 1.0

    def scores(self, query: dict[str, float]) -> tuple[dict[int, float], dict[int, float]]:
        """(BM25 score, matched IDF mass) per document that shares a token with `query`."""
        scores: dict[int, float] = defaultdict(float)
        matched: dict[int, float] = defaultdict(float)
        if not self.count:
            return scores, matched
        for token, weight in query.items():
            idf = self.idf.get(token)
            if idf is None:
                continue
            for index, frequency in self.postings[token]:
                norm = 1 - self.b + self.b * self.lengths[index] / self.average_length
                scores[index] += (
                    weight * idf * frequency * (self.k1 + 1) / (frequency + self.k1 * norm)
                )
                matched[index] += weight * idf
        return scores, matched

    def query_mass(self, query: dict[str, float]) -> float:
        return sum(weight * self.idf.get(token, self.unseen_idf) for token, weight in query.items())


@dataclass
class KnowledgeIndex:
    stamp: str
    documents: list[Document]
    bags: list[dict[str, float]]
    built_in_ms: float = 0.0
    bm25: Bm25 = field(init=False)

    def __post_init__(self):
        self.bm25 = Bm25(self.bags)

    @classmethod
    def build(cls, documents: list[Document], *, stamp: str = "") -> KnowledgeIndex:
        started = time.perf_counter()
        bags = [tokens(doc.text) for doc in documents]
        return cls(stamp, documents, bags, built_in_ms=(time.perf_counter() - started) * 1000)

    def __len__(self) -> int:
        return len(self.documents)

    def _informative(self, query: dict[str, float]) -> dict[str, float]:
        """The query for the confidence denominator. A Chinese word the knowledge base has
        never seen but whose characters it knows ("想换" from "想换点日元") is a segmentation
        accident, not missing knowledge: its characters already stand for it."""
        idf = self.bm25.idf
        return {
            token: weight
            for token, weight in query.items()
            if token in idf
            or token.startswith("c:")
            or not _CJK_WORD.match(token)
            or not all(("c:" + char) in idf for char in token)
        }

    def search(self, question: str, *, limit: int = 5, kind: str = "") -> list[Hit]:
        """The best `limit` keys for `question`, best first (optionally only `faq` or `manual`)."""
        query = tokens(question)
        if not query:
            return []
        scores, matched = self.bm25.scores(query)
        mass = self.bm25.query_mass(self._informative(query)) or 1.0
        best_score: dict[str, float] = {}
        best_coverage: dict[str, float] = {}
        for index, score in scores.items():
            document = self.documents[index]
            if kind and not document.key.startswith(kind + ":"):
                continue
            # A weaker document (an FAQ answer) counts for less in both score and confidence.
            coverage = min(1.0, matched[index] / mass) * min(1.0, document.weight)
            key = document.key
            best_score[key] = max(best_score.get(key, 0.0), score * document.weight)
            best_coverage[key] = max(best_coverage.get(key, 0.0), coverage)
        best = {key: Hit(key, best_score[key], best_coverage[key]) for key in best_score}
        ranked = sorted(best.values(), key=lambda hit: (-hit.score, hit.key))
        return ranked[:limit]


# --- the per-process cache ---------------------------------------------------------------

_lock = threading.Lock()
_current: KnowledgeIndex | None = None


def _cache_key(stamp: str) -> str:
    return CACHE_PREFIX + stamp


def build_and_cache(stamp: str | None = None) -> KnowledgeIndex:
    """Tokenise the knowledge base now and share the result through Django's cache."""
    from assistant import knowledge

    stamp = stamp or knowledge.current_stamp()
    index = KnowledgeIndex.build(knowledge.collect_documents(), stamp=stamp)
    cache.set(_cache_key(stamp), (index.documents, index.bags), CACHE_SECONDS)
    _remember(index)
    return index


def _remember(index: KnowledgeIndex) -> None:
    global _current
    with _lock:
        _current = index


def get_index() -> KnowledgeIndex:
    """The index of the knowledge as it is now: this process's copy if its stamp is current,
    else the tokenised documents from the shared cache, else built here."""
    from assistant import knowledge

    stamp = knowledge.current_stamp()
    current = _current
    if current is not None and current.stamp == stamp:
        return current
    cached = cache.get(_cache_key(stamp))
    if cached is not None:
        documents, bags = cached
        index = KnowledgeIndex(stamp, documents, bags)
        _remember(index)
        return index
    return build_and_cache(stamp)


def forget_index() -> None:
    """Drop this process's copy (tests; after a bulk import)."""
    _remember(None)  # type: ignore[arg-type]
