from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "List the Celery beat schedule collected from every app's schedule.py (bank time)."

    def add_arguments(self, parser):
        parser.add_argument("--markdown", action="store_true", help="as a Markdown table")

    def handle(self, *args, markdown: bool, **options):
        rows = [
            (name, entry["task"], _describe(entry["schedule"]))
            for name, entry in sorted(settings.CELERY_BEAT_SCHEDULE.items())
        ]
        if markdown:
            self.stdout.write("| entry | task | when (Asia/Shanghai) |\n|---|---|---|")
            for row in rows:
                self.stdout.write("| `{}` | `{}` | {} |".format(*row))
            return
        for name, task, when in rows:
            self.stdout.write(f"{name:42} {task:44} {when}")


def _describe(schedule) -> str:
    fields = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
    originals = [getattr(schedule, f"_orig_{field}", None) for field in fields]
    if any(value is None for value in originals):
        return str(schedule)
    return "cron " + " ".join(str(value) for value in originals)
