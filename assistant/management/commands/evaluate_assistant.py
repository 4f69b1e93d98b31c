"""Print the assistant's quality figures over the labelled evaluation set."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from assistant.evaluation import evaluate, load_questions


class Command(BaseCommand):
    help = "Top-1 accuracy, hand-over precision / recall and latency over assistant/evaluation/questions.jsonl."

    def add_arguments(self, parser):
        parser.add_argument(
            "--mistakes", action="store_true", help="List every question answered wrongly."
        )

    def handle(self, *args, mistakes=False, **options):
        report = evaluate(load_questions())
        out = self.stdout
        out.write(
            f"questions: {report.total} (answerable {report.answerable}, must hand over {report.handover_expected})"
        )
        out.write(
            f"top-1 accuracy (answerable): {report.top1_accuracy:.3f} ({report.correct}/{report.answerable})"
        )
        out.write(
            f"  of which held out (written after tuning): {report.held_out_top1_accuracy:.3f} "
            f"({report.held_out_correct}/{report.held_out_answerable})"
        )
        out.write(
            f"hand-over precision: {report.handover_precision:.3f} ({report.handover_correct}/{report.handover_predicted}), "
            f"recall: {report.handover_recall:.3f} ({report.handover_correct}/{report.handover_expected})"
        )
        out.write(
            f"latency per answer: p50 {report.latency_p50_ms:.1f} ms, p95 {report.latency_p95_ms:.1f} ms"
        )
        if mistakes:
            for row in report.mistakes:
                out.write(
                    f"  line {row['line']}: {row['question']!r} expected {row['expected']} got {row['got']} ({row['confidence']})"
                )
