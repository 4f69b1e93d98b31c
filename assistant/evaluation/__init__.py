"""The labelled evaluation of the assistant: top-1 accuracy, hand-over precision / recall and
latency over `questions.jsonl` (one JSON object a line: question, expected, language).

`expected` is an FAQ entry key, `handover` (the assistant must pass the customer to a person)
or `progress` (a question about the customer's own application, answered from their cases).
Questions are asked as an anonymous visitor, so progress questions get directions, not data.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path

QUESTIONS_FILE = Path(__file__).resolve().parent / "questions.jsonl"
HANDOVER, PROGRESS = "handover", "progress"


def load_questions(path: Path = QUESTIONS_FILE) -> list[dict]:
    """The labelled questions; those after a `# held-out` comment line are marked `held_out`
    (written after tuning, so their figures say how the assistant does on new phrasings)."""
    rows, held_out = [], False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.lstrip().startswith("#"):
            held_out = held_out or line.lstrip("# ").lower().startswith("held-out")
            continue
        if line.strip():
            row = json.loads(line)
            row["line"], row["held_out"] = number, held_out
            rows.append(row)
    return rows


def predicted_label(reply) -> str:
    if reply.handover:
        return HANDOVER
    if reply.intent == PROGRESS:
        return PROGRESS
    return reply.top_key.split(":", 1)[1] if reply.top_key.startswith("faq:") else reply.top_key


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


@dataclass
class Report:
    total: int = 0
    answerable: int = 0
    correct: int = 0
    handover_expected: int = 0
    handover_predicted: int = 0
    handover_correct: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    mistakes: list[dict] = field(default_factory=list)
    held_out_answerable: int = 0
    held_out_correct: int = 0

    @property
    def held_out_top1_accuracy(self) -> float:
        return self.held_out_correct / self.held_out_answerable if self.held_out_answerable else 0.0

    @property
    def top1_accuracy(self) -> float:
        return self.correct / self.answerable if self.answerable else 0.0

    @property
    def handover_precision(self) -> float:
        return self.handover_correct / self.handover_predicted if self.handover_predicted else 0.0

    @property
    def handover_recall(self) -> float:
        return self.handover_correct / self.handover_expected if self.handover_expected else 0.0

    @property
    def latency_p50_ms(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else 0.0

    @property
    def latency_p95_ms(self) -> float:
        return _percentile(self.latencies_ms, 0.95)


def evaluate(questions: list[dict] | None = None) -> Report:
    from assistant import engine, retrieval

    questions = load_questions() if questions is None else questions
    retrieval.get_index()  # built once, before timing: latency is per answer
    report = Report()
    for row in questions:
        reply = engine.respond(row["question"], user=None, language=row.get("language", ""))
        report.latencies_ms.append(reply.latency_ms)
        got, expected = predicted_label(reply), row["expected"]
        report.total += 1
        if expected == HANDOVER:
            report.handover_expected += 1
        else:
            report.answerable += 1
            report.correct += got == expected
            if row.get("held_out"):
                report.held_out_answerable += 1
                report.held_out_correct += got == expected
        if got == HANDOVER:
            report.handover_predicted += 1
            report.handover_correct += expected == HANDOVER
        if got != expected:
            report.mistakes.append(
                {
                    "line": row["line"],
                    "question": row["question"],
                    "expected": expected,
                    "got": got,
                    "confidence": round(reply.confidence, 3),
                }
            )
    return report
