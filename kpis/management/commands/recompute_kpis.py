"""Backfill or repair KPI results: every month and quarter in a range, all KPIs or one."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from kpis import jobs
from kpis.models import JobRun
from qc_portal.periods import Period, period_range


def periods_between(first: Period, last: Period) -> list[Period]:
    """Every month from the first to the last month, and every quarter they touch."""
    first_month, last_month = first.months()[0], last.months()[-1]
    if last_month < first_month:
        raise ValueError("--from is after --to")
    months = period_range(first_month, last_month)
    quarters = period_range(first_month.quarter(), last_month.quarter())
    return months + quarters


class Command(BaseCommand):
    help = "Recompute KPI results for every month and quarter from --from to --to (e.g. 2026-01 .. 2026-10)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--from", dest="first", required=True, help="first period, 2026-01 or 2026-Q1"
        )
        parser.add_argument(
            "--to", dest="last", required=True, help="last period, 2026-10 or 2026-Q4"
        )
        parser.add_argument(
            "--kpi", dest="codes", action="append", default=None, help="only this KPI code"
        )

    def handle(self, *args, first, last, codes, **options):
        try:
            periods = periods_between(Period.parse(first), Period.parse(last))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        except ValueError as error:
            raise CommandError(str(error)) from error
        try:
            work = [
                (period, code) for period in periods for code in jobs.codes_for(period.kind, codes)
            ]
        except ValueError as error:
            raise CommandError(str(error)) from error
        if not work:
            self.stdout.write("No registered KPI matches; nothing to do.")
            return
        runs: dict[Period, JobRun] = {}
        failed = 0
        for period, code in tqdm(work, desc="KPIs", unit="kpi", file=self.stderr):
            if period not in runs:
                runs[period] = jobs.start_job_run(
                    period, jobs.codes_for(period.kind, codes), trigger="command"
                )
            if not jobs.run_kpi_step(code, str(period), runs[period].pk):
                failed += 1
        self.stdout.write(
            f"{len(work)} KPI computations over {len(periods)} periods, {failed} failed."
        )
        if failed:
            for run in JobRun.objects.filter(
                pk__in=[r.pk for r in runs.values()], kpis_failed__gt=0
            ):
                self.stderr.write(f"{run.period_key}:\n{run.errors}")
            raise CommandError(
                f"{failed} KPI computation(s) failed; see the job runs in the admin."
            )
