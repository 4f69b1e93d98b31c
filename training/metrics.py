"""Measure 5's KPIs (DESIGN.md §4): training coverage and employee satisfaction, plus monitor
metrics (pass rate, learning gain, ideas submitted and adopted). Each is one grouped query
over all branches; the bank figure is the sum of the branches' numerators and denominators."""

from __future__ import annotations

from django.db.models import Count, F, Q, Sum

from kpis.registry import BANK, Measurement, kpi
from qc_portal.periods import Period
from training.models import Enrollment, Idea, SurveyAnswer
from training.queries import (
    ANONYMITY_FLOOR,
    active_staff_in,
    annotate_coverage,
    suppressed_groups,
)


def _with_bank(rows, numerator: str, denominator: str, observations: str | None = None) -> dict:
    result, totals = {}, [0, 0, 0]
    for row in rows:
        num, den = row[numerator] or 0, row[denominator] or 0
        obs = row[observations] if observations else den
        result[row["branch"]] = Measurement(numerator=num, denominator=den, observations=obs)
        totals[0] += num
        totals[1] += den
        totals[2] += obs
    result[BANK] = Measurement(numerator=totals[0], denominator=totals[1], observations=totals[2])
    return result


@kpi(
    code="training.coverage",
    measure=5,
    period_kind="quarter",
    unit="percent",
    direction="higher",
    title_zh="培训覆盖率",
    title_en="Training coverage",
    definition_zh="本季度完成其岗位全部必修课程的在岗员工 / 本季度在岗员工（季度中入职者计入，季度前离职者不计入）",
    definition_en="Active staff who completed every course mandatory for their role in the quarter / "
    "staff active in the quarter (a mid-quarter joiner counts; someone who left before the quarter does not)",
)
def coverage(period: Period) -> dict[int | None, Measurement]:
    rows = (
        annotate_coverage(active_staff_in(period), period)
        .values("branch")
        .annotate(active=Count("id"), covered=Count("id", filter=Q(is_covered=True)))
        .order_by("branch")
    )
    return _with_bank(rows, "covered", "active")


@kpi(
    code="training.employee_satisfaction",
    measure=5,
    period_kind="quarter",
    unit="percent",
    direction="higher",
    title_zh="员工满意度",
    title_en="Employee satisfaction",
    definition_zh="季度员工满意度调查中 4–5 分的回答 / 全部回答（少于 5 人作答的网点不单独显示）",
    definition_en="Answers of 4–5 in the quarter's employee survey / all answers "
    "(a branch with fewer than 5 respondents is not shown on its own)",
)
def employee_satisfaction(period: Period) -> dict[int | None, Measurement]:
    rows = list(
        SurveyAnswer.objects.filter(response__survey__quarter=str(period))
        .values(branch=F("response__branch"))
        .annotate(
            answers=Count("id"),
            satisfied=Count("id", filter=Q(score__gte=4)),
            respondents=Count("response", distinct=True),
        )
        .order_by("branch")
    )
    result = _with_bank(rows, "satisfied", "answers")
    # The anonymity floor: a small branch counts in the bank figure but never on its own, and
    # neither does the smallest other branch when subtracting it from the bank would reveal it.
    for branch in suppressed_groups({row["branch"]: row["respondents"] for row in rows}):
        result.pop(branch, None)
    if sum(row["respondents"] for row in rows) < ANONYMITY_FLOOR:
        result.pop(BANK, None)
    return result


def _assessed_in(period: Period):
    return Enrollment.objects.filter(
        session__starts_at__gte=period.start,
        session__starts_at__lt=period.end,
        status=Enrollment.Status.ENROLLED,
        attended=True,
        passed__isnull=False,
    )


@kpi(
    code="training.pass_rate",
    measure=5,
    period_kind="quarter",
    unit="percent",
    direction="higher",
    title_zh="培训考核通过率",
    title_en="Training pass rate",
    definition_zh="本季度出席并参加考核者中通过的人次 / 出席并参加考核的人次（监测指标）",
    definition_en="Attended and assessed participations that passed / attended and assessed participations "
    "in sessions of the quarter (monitor)",
)
def pass_rate(period: Period) -> dict[int | None, Measurement]:
    rows = (
        _assessed_in(period)
        .values(branch=F("user__staff_profile__branch"))
        .annotate(assessed=Count("id"), passed_count=Count("id", filter=Q(passed=True)))
        .order_by("branch")
    )
    return _with_bank(rows, "passed_count", "assessed")


@kpi(
    code="training.learning_gain",
    measure=5,
    period_kind="quarter",
    unit="ratio",
    direction="higher",
    title_zh="平均学习提升（分）",
    title_en="Average learning gain (points)",
    definition_zh="本季度参训者后测分减前测分的平均值（满分 100；柯氏第二级，监测指标）",
    definition_en="Mean post-test minus pre-test score (out of 100) of the quarter's participants "
    "with both scores (Kirkpatrick level 2, monitor)",
)
def learning_gain(period: Period) -> dict[int | None, Measurement]:
    rows = (
        _assessed_in(period)
        .filter(pre_score__isnull=False, post_score__isnull=False)
        .values(branch=F("user__staff_profile__branch"))
        .annotate(gain=Sum(F("post_score") - F("pre_score")), tested=Count("id"))
        .order_by("branch")
    )
    return _with_bank(rows, "gain", "tested")


def _idea_counts(queryset) -> dict[int | None, Measurement]:
    result, total = {}, 0
    for row in queryset.values("branch").annotate(n=Count("id")).order_by("branch"):
        result[row["branch"]] = Measurement(
            numerator=row["n"], denominator=1, observations=row["n"], value=row["n"]
        )
        total += row["n"]
    result[BANK] = Measurement(numerator=total, denominator=1, observations=total, value=total)
    return result


@kpi(
    code="training.ideas_submitted",
    measure=5,
    period_kind="quarter",
    unit="count",
    direction="higher",
    title_zh="提交的创新建议",
    title_en="Innovation ideas submitted",
    definition_zh="本季度员工提交的创新建议数（监测指标）",
    definition_en="Innovation ideas staff submitted in the quarter (monitor)",
)
def ideas_submitted(period: Period) -> dict[int | None, Measurement]:
    return _idea_counts(
        Idea.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
    )


@kpi(
    code="training.ideas_adopted",
    measure=5,
    period_kind="quarter",
    unit="count",
    direction="higher",
    title_zh="采纳的创新建议",
    title_en="Innovation ideas adopted",
    definition_zh="本季度经评审采纳的创新建议数（监测指标）",
    definition_en="Innovation ideas adopted on review in the quarter (monitor)",
)
def ideas_adopted(period: Period) -> dict[int | None, Measurement]:
    return _idea_counts(
        Idea.objects.filter(
            status=Idea.Status.ADOPTED, reviewed_at__gte=period.start, reviewed_at__lt=period.end
        )
    )
