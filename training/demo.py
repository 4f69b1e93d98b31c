"""Demo data for training: courses with mandatory rules and quiz banks, a year of quarterly
plans with sessions, enrolments, attendance, scores, feedback and completions (a few laggards
each quarter, fewer after the programme start), quarterly satisfaction surveys and ideas.

The demo risk officers always hold the current quarter's risk-control course, so the credit
approval journey is not blocked by the training gate; the demo service agent has an online
quiz waiting in the current quarter (the "complete a course with a quiz" journey)."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.test.utils import override_settings
from django.utils import timezone

from qc_portal.demo import DemoContext
from qc_portal.models import Department, StaffProfile
from qc_portal.periods import QUARTER, Period, bank_tz
from qc_portal.roles import RISK_OFFICER_ROLES, Role
from training import actions
from training.models import (
    Choice,
    Completion,
    Course,
    CourseRequirement,
    Enrollment,
    Idea,
    IdeaSupport,
    Question,
    Session,
    Survey,
    SurveyAnswer,
    SurveyParticipation,
    SurveyQuestion,
    SurveyResponse,
    TrainingPlan,
)

RISK_ROLES = sorted(RISK_OFFICER_ROLES | {Role.RISK_MANAGER})
COURSES = [
    # code, zh, en, category, frequency, pass mark, minutes, roles, departments
    (
        "RISK-Q",
        "信贷风险控制要点",
        "Credit risk-control essentials",
        "risk_control",
        "quarterly",
        70,
        90,
        RISK_ROLES,
        [],
    ),
    (
        "SVC-Q",
        "柜面服务礼仪与效率",
        "Counter service etiquette and efficiency",
        "service_skills",
        "quarterly",
        60,
        60,
        [Role.SERVICE_AGENT],
        [],
    ),
    (
        "BP-Y",
        "业务流程规范（年度）",
        "Business process standards (yearly)",
        "business_process",
        "yearly",
        60,
        120,
        [Role.SERVICE_AGENT, Role.RELATIONSHIP_MANAGER, Role.BRANCH_MANAGER],
        [],
    ),
    (
        "CMP-Y",
        "反洗钱与合规（年度）",
        "Anti-money-laundering and compliance (yearly)",
        "compliance",
        "yearly",
        60,
        60,
        [],
        ["risk", "retail"],
    ),
    ("INNOV", "创新方法工作坊", "Innovation methods workshop", "other", "once", 50, 180, [], []),
]
QUESTIONS = {
    "RISK-Q": [
        (
            "逾期 91 天的贷款至少应归为哪一类？",
            "A loan 91 days past due is at least…",
            [
                ("次级", "Substandard", True),
                ("关注", "Special mention", False),
                ("正常", "Normal", False),
            ],
        ),
        (
            "同一笔申请的初审与终审可否由同一人完成？",
            "May one officer decide initial and final review of one application?",
            [("不可以", "No", True), ("可以", "Yes", False)],
        ),
        (
            "超出本人审批权限的申请应如何处理？",
            "An application above your authority limit…",
            [
                ("提交更高权限审批人", "Goes to an approver with a higher limit", True),
                ("直接批准", "Is approved anyway", False),
            ],
        ),
        (
            "低于评分卡临界值仍批准需要什么？",
            "Approving below the scorecard cut-off needs…",
            [
                ("记录的例外理由", "A recorded override reason", True),
                ("无需任何记录", "Nothing", False),
            ],
        ),
        (
            "不良贷款包括哪些类别？",
            "Non-performing loans are…",
            [
                ("次级、可疑、损失", "Substandard, doubtful, loss", True),
                ("关注与次级", "Special mention and substandard", False),
            ],
        ),
    ],
    "SVC-Q": [
        (
            "客户满意度（CSAT）如何计算？",
            "How is CSAT computed?",
            [
                ("4–5 分评价 / 全部评价", "Ratings of 4–5 / all ratings", True),
                ("平均分 / 5", "Mean score / 5", False),
            ],
        ),
        (
            "叫号后客户未到应如何记录？",
            "A called customer does not come…",
            [
                ("记为未到（过号）", "Record a no-show", True),
                ("删除该号", "Delete the ticket", False),
            ],
        ),
        (
            "办理时间从何时开始计算？",
            "Handling time starts when…",
            [("叫号时", "The customer is called", True), ("取号时", "The ticket is taken", False)],
        ),
        (
            "客户询问办理进度时应首先？",
            "A customer asks about progress: first…",
            [
                ("告知可在线查询进度", "Show them online tracking", True),
                ("让其改日再来", "Ask them to come back", False),
            ],
        ),
        (
            "服务标准中柜面办理时长目标是？",
            "The counter handling-time standard is…",
            [("不超过 300 秒", "At most 300 s", True), ("不超过 900 秒", "At most 900 s", False)],
        ),
    ],
}
MATERIALS = """## 学习目标 / Objectives

1. 掌握本课程的关键规则 / Know the key rules
2. 能在日常工作中应用 / Apply them at work

| 要点 Point | 说明 Note |
|---|---|
| 四眼原则 Four eyes | 同一申请的两个环节不能由同一人决策 |
| 留痕 Evidence | 每项决策都要记录理由 |

> 完成后请参加测验并提交课程反馈。 Take the quiz and give feedback afterwards.
"""
SURVEY_QUESTIONS = [
    ("我对工作环境感到满意", "I am satisfied with my workplace"),
    ("培训对我的工作有帮助", "Training helps me in my work"),
    ("我的意见能得到重视", "My suggestions are taken seriously"),
    ("我清楚本岗位的服务与风控标准", "I know the service and risk standards of my role"),
    ("我愿意向朋友推荐在本行工作", "I would recommend working here to a friend"),
]
IDEAS = [
    ("排队短信提醒", "Queue SMS reminders", "客户取号后，轮到前 3 位时发送短信提醒，减少过号。"),
    (
        "电子签名替代纸质回单",
        "E-signatures for counter receipts",
        "柜面业务使用电子签名板，减少纸张和归档时间。",
    ),
    (
        "贷款资料清单二维码",
        "QR checklist for loan documents",
        "客户扫码即可看到所需材料清单，减少补件。",
    ),
    ("高峰时段弹性排班", "Flexible rosters at peak hours", "按叫号数据在午间高峰增加一个窗口。"),
    ("风险提示卡片", "Risk reminder cards", "在审批界面显示本季度风险控制要点卡片。"),
    ("客户经理知识库", "Knowledge base for relationship managers", "整理常见问答，减少重复咨询。"),
]
# Per quarter index (oldest first): share of people who fail or miss their session, the mean
# learning gain, and the chance an answer in the satisfaction survey is a 4 or 5.
QUARTER_PROFILE = [(0.16, 10, 0.68), (0.09, 15, 0.77), (0.05, 19, 0.82), (0.05, 21, 0.85)]


def seed(context: DemoContext) -> None:
    if Course.objects.filter(code="RISK-Q").exists():
        context.notes.append("training: demo data already present, skipped.")
        return
    rng = context.rng
    today = timezone.localtime(context.now, bank_tz()).date()
    current = Period.containing(today, QUARTER)
    quarters = [current.shift(-n) for n in range(3, -1, -1)]  # a year, oldest first
    hr = context.logins[Role.HR_TRAINER]

    courses = _seed_courses()
    staff = list(StaffProfile.objects.select_related("department").order_by("id"))
    roles = defaultdict(set)
    for user_id, name in get_user_model().groups.through.objects.values_list(
        "user_id", "group__name"
    ):
        roles[user_id].add(name)
    rules = defaultdict(list)  # course code -> [(role, department code)]
    for rule in CourseRequirement.objects.select_related("course", "department"):
        rules[rule.course.code].append((rule.role, rule.department.code if rule.department else ""))
    protected = {context.logins[r].pk for r in RISK_ROLES if r in context.logins}
    quiz_user = context.logins.get(Role.SERVICE_AGENT)

    def needs(profile: StaffProfile, code: str) -> bool:
        return any(
            (not role or role in roles[profile.user_id])
            and (not dept or dept == profile.department.code)
            for role, dept in rules[code]
        )

    enrollments, completions_for = [], []
    pending = defaultdict(set)  # (yearly course code, year) -> users who have not passed yet
    sessions_total = 0
    for index, period in enumerate(quarters):
        laggard_share, mean_gain, _satisfied = QUARTER_PROFILE[index]
        plan = TrainingPlan.objects.create(
            quarter=str(period),
            status=TrainingPlan.Status.PUBLISHED,
            created_by=hr,
            note="演示计划 / demo plan",
        )
        active = [
            p
            for p in staff
            if p.hired_on < period.end_date
            and (p.left_on is None or p.left_on >= period.start_date)
        ]
        plan_needs = []
        for code, course in courses.items():
            if not rules[code]:
                continue
            if (
                course.frequency == Course.Frequency.YEARLY
                and period.index != 1
                and period != quarters[0]
            ):
                # Yearly courses run in the first quarter of the year; later quarters train the
                # joiners and those who did not pass yet this year.
                behind = pending[(code, period.year)]
                people = [
                    p
                    for p in active
                    if needs(p, code) and (p.hired_on >= period.start_date or p.user_id in behind)
                ]
            else:
                people = [p for p in active if needs(p, code)]
            plan_needs.append({"course_id": course.pk, "code": code, "needed": len(people)})
            if not people:
                continue
            rng.shuffle(people)
            online = code in QUESTIONS
            count = math.ceil(len(people) / 30)
            slots = _slots(period, count, today)
            sessions = Session.objects.bulk_create(
                [
                    Session(
                        course=course,
                        plan=plan,
                        starts_at=slot,
                        capacity=30,
                        is_online=online,
                        location="" if online else "培训中心 Training centre",
                        trainer_name=hr.username,
                        status=Session.Status.HELD
                        if slot.date() < today
                        else Session.Status.SCHEDULED,
                    )
                    for slot in slots
                ]
            )
            sessions_total += len(sessions)
            for n, profile in enumerate(people):
                session = sessions[n // 30]
                day = timezone.localtime(session.starts_at, bank_tz()).date()
                enrollment = Enrollment(
                    session=session,
                    user_id=profile.user_id,
                    status=Enrollment.Status.ENROLLED,
                    source=Enrollment.Source.AUTOMATIC,
                    created_at=session.starts_at - timedelta(days=20),
                )
                enrollments.append(enrollment)
                pending[(code, period.year)].add(profile.user_id)
                if day >= today:
                    continue  # not held yet
                if quiz_user and profile.user_id == quiz_user.pk and period == current and online:
                    continue  # the demo agent's quiz is waiting (see below)
                outcome = rng.random()
                lag = profile.user_id not in protected and outcome < laggard_share
                if lag and outcome < laggard_share / 2:
                    enrollment.attended = False
                    continue
                enrollment.attended = True
                pre = max(0, min(95, round(rng.gauss(52, 12))))
                post = max(0, min(100, pre + round(rng.gauss(mean_gain, 7))))
                if lag:
                    post = course.pass_mark - rng.randint(1, 15)
                elif post < course.pass_mark:
                    post = course.pass_mark + rng.randint(0, 20)
                enrollment.pre_score, enrollment.post_score = min(pre, post), min(post, 100)
                enrollment.passed = enrollment.post_score >= course.pass_mark
                if rng.random() < 0.75:
                    weights = [1, 2, 8, 30, 30] if index else [3, 6, 15, 30, 20]
                    enrollment.feedback_rating = rng.choices([1, 2, 3, 4, 5], weights=weights)[0]
                if enrollment.passed:
                    completions_for.append((enrollment, course, day))
                    pending[(code, period.year)].discard(profile.user_id)
        plan.needs = plan_needs
        plan.save(update_fields=["needs"])

    _demo_quiz_session(courses["SVC-Q"], current, context.now, quiz_user, enrollments)
    Enrollment.objects.bulk_create(
        context.progress(enrollments, desc="training enrolments"), batch_size=5000
    )
    Completion.objects.bulk_create(
        [
            Completion(
                user_id=e.user_id,
                course=course,
                completed_on=day,
                score=e.post_score,
                source=Completion.Source.SESSION,
                enrollment=e,
            )
            for e, course, day in completions_for
        ],
        batch_size=5000,
        ignore_conflicts=True,
    )
    _protect_risk_officers(courses["RISK-Q"], protected, today)
    _future_sessions(courses, current, today)
    surveys = _seed_surveys(context, quarters, staff, today)
    ideas = _seed_ideas(context, staff, quarters, hr)
    reminders = {"reminders": 0}
    if actions.reminder_start_day(current) <= today:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            reminders = actions.send_reminders(current, today=today)
    context.notes.append(
        f"training: {len(courses)} courses, {len(quarters)} quarterly plans, {sessions_total} sessions, "
        f"{len(enrollments)} enrolments, {len(completions_for)} completions, {surveys} survey answer sets, "
        f"{ideas} ideas, {reminders['reminders']} reminders; hr_trainer starts on /training/plan/, "
        f"service_agent has a quiz waiting on /training/my/."
    )


def _seed_courses() -> dict[str, Course]:
    departments = {d.code: d for d in Department.objects.all()}
    courses = {}
    for code, zh, en, category, frequency, mark, minutes, roles, depts in COURSES:
        course = Course.objects.create(
            code=code,
            title_zh=zh,
            title_en=en,
            category=category,
            frequency=frequency,
            pass_mark=mark,
            duration_minutes=minutes,
            materials=f"# {zh} / {en}\n\n{MATERIALS}",
        )
        courses[code] = course
        requirements = [
            CourseRequirement(course=course, role=role, active_from=date(2025, 1, 1))
            for role in roles
        ]
        requirements += [
            CourseRequirement(
                course=course, department=departments[d], active_from=date(2025, 1, 1)
            )
            for d in depts
        ]
        CourseRequirement.objects.bulk_create(requirements)
        for q_zh, q_en, choices in QUESTIONS.get(code, []):
            question = Question.objects.create(course=course, text_zh=q_zh, text_en=q_en)
            Choice.objects.bulk_create(
                [
                    Choice(question=question, text_zh=c_zh, text_en=c_en, is_correct=ok)
                    for c_zh, c_en, ok in choices
                ]
            )
    return courses


def _slots(period: Period, count: int, today: date) -> list[datetime]:
    """Weekday sessions from the quarter's third week, all before today in the current quarter."""
    last = min(period.end_date, today) - timedelta(days=1)
    first = period.start_date + timedelta(days=14)
    if last < first:
        first = period.start_date
    days, day = [], first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    days = days or [first]
    step = max(len(days) // max(count, 1), 1)
    return [
        datetime.combine(
            days[min(n * step, len(days) - 1)],
            time(9, 30) if n % 2 == 0 else time(14, 0),
            tzinfo=bank_tz(),
        )
        for n in range(count)
    ]


def _demo_quiz_session(
    course: Course, current: Period, now: datetime, user, enrollments: list
) -> None:
    """An online SVC-Q session that has just started (an hour before the demo was seeded, or at
    the quarter's start), with the demo agent enrolled and the quiz not yet taken."""
    if user is None:
        return
    starts = max(current.start, now - timedelta(hours=1)).replace(second=0, microsecond=0)
    session = Session.objects.create(
        course=course,
        starts_at=starts,
        capacity=30,
        is_online=True,
        plan=TrainingPlan.objects.get(quarter=str(current)),
        trainer_name="e-learning",
    )
    for enrollment in enrollments:
        if (
            enrollment.user_id == user.pk
            and enrollment.session.course_id == course.pk
            and enrollment.session.plan.quarter == str(current)
        ):
            enrollment.session = session
            enrollment.attended = None
            return
    enrollments.append(
        Enrollment(
            session=session,
            user=user,
            status=Enrollment.Status.ENROLLED,
            source=Enrollment.Source.AUTOMATIC,
        )
    )


def _protect_risk_officers(course: Course, user_ids: set[int], today: date) -> None:
    """Whatever the sampling did, the demo risk officers hold this quarter's risk course."""
    quarter_start = Period.containing(today, QUARTER).start_date
    day = max(quarter_start, today - timedelta(days=7))
    Completion.objects.bulk_create(
        [
            Completion(
                user_id=user_id,
                course=course,
                completed_on=day,
                score=88,
                source=Completion.Source.EXTERNAL,
                external_reference="demo",
            )
            for user_id in user_ids
            if not Completion.objects.filter(
                user_id=user_id, course=course, completed_on__gte=quarter_start
            ).exists()
        ],
        ignore_conflicts=True,
    )


def _future_sessions(courses: dict[str, Course], current: Period, today: date) -> None:
    """Open sessions ahead, for staff to enrol in (one nearly full, to show the waiting list)."""
    future = []
    for n, code in enumerate(["RISK-Q", "SVC-Q", "INNOV"]):
        starts = datetime.combine(today + timedelta(days=7 + n * 3), time(14, 0), tzinfo=bank_tz())
        future.append(
            Session(
                course=courses[code],
                starts_at=starts,
                capacity=20 if code != "INNOV" else 2,
                is_online=False,
                location="培训中心 Training centre",
                trainer_name="hr_trainer",
            )
        )
    Session.objects.bulk_create(future)


def _seed_surveys(
    context: DemoContext, quarters: list[Period], staff: list[StaffProfile], today: date
) -> int:
    rng = context.rng
    demo_users = {user.pk for user in context.logins.values() if user is not None}
    participations, responses, scores_by_response = [], [], []
    for index, period in enumerate(quarters):
        satisfied = QUARTER_PROFILE[index][2]
        opens = period.start_date + timedelta(days=44)
        survey = Survey.objects.create(
            quarter=str(period),
            title_zh=f"{period} 员工满意度调查",
            title_en=f"{period} employee satisfaction survey",
            opens_on=opens,
            closes_on=period.last_date,
        )
        questions = SurveyQuestion.objects.bulk_create(
            [
                SurveyQuestion(survey=survey, order=n, text_zh=zh, text_en=en)
                for n, (zh, en) in enumerate(SURVEY_QUESTIONS)
            ]
        )
        if opens > today:
            continue
        for profile in staff:
            if profile.user_id in demo_users or rng.random() > 0.8 or profile.hired_on > opens:
                continue
            participations.append(SurveyParticipation(survey=survey, user_id=profile.user_id))
            responses.append(
                SurveyResponse(
                    survey=survey, branch_id=profile.branch_id, department_id=profile.department_id
                )
            )
            scores_by_response.append(
                [
                    (
                        q,
                        rng.choice((4, 5))
                        if rng.random() < satisfied
                        else rng.choice((1, 2, 3, 3)),
                    )
                    for q in questions
                ]
            )
    SurveyParticipation.objects.bulk_create(participations, batch_size=5000)
    created = SurveyResponse.objects.bulk_create(responses, batch_size=5000)
    answers = [
        SurveyAnswer(response=response, question=question, score=score)
        for response, pairs in zip(created, scores_by_response, strict=True)
        for question, score in pairs
    ]
    SurveyAnswer.objects.bulk_create(
        context.progress(answers, desc="survey answers"), batch_size=5000
    )
    return len(created)


def _seed_ideas(context: DemoContext, staff: list[StaffProfile], quarters: list[Period], hr) -> int:
    rng = context.rng
    by_branch = defaultdict(list)
    for profile in staff:
        by_branch[profile.branch_id].append(profile)
    ideas = []
    start = quarters[0].start
    span = (context.now - start).total_seconds()
    for _branch_id, people in sorted(by_branch.items()):
        for _n in range(rng.randint(1, 3)):
            author = rng.choice(people)
            zh, en, text = rng.choice(IDEAS)
            created = start + timedelta(seconds=rng.random() * span * 0.95)
            idea = Idea(
                author_id=author.user_id,
                branch_id=author.branch_id,
                department_id=author.department_id,
                title=f"{zh} / {en}",
                description=text,
                created_at=created,
            )
            if created < context.now - timedelta(days=45) and rng.random() < 0.7:
                idea.status = rng.choice(
                    [Idea.Status.ADOPTED, Idea.Status.ADOPTED, Idea.Status.DECLINED]
                )
                idea.reviewed_by = hr
                idea.reviewed_at = created + timedelta(days=rng.randint(7, 30))
                idea.review_note = (
                    "已纳入下季度试点 / Pilot next quarter"
                    if idea.status == Idea.Status.ADOPTED
                    else "成本过高 / Too costly for now"
                )
            ideas.append(idea)
    created_ideas = Idea.objects.bulk_create(ideas)
    supports = []
    for idea in created_ideas:
        colleagues = [p for p in by_branch[idea.branch_id] if p.user_id != idea.author_id]
        for supporter in rng.sample(colleagues, k=min(len(colleagues), rng.randint(0, 5))):
            supports.append(IdeaSupport(idea=idea, user_id=supporter.user_id))
    IdeaSupport.objects.bulk_create(supports, ignore_conflicts=True)
    return len(created_ideas)
