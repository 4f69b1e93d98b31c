"""Seed the default targets (DESIGN.md §4, the seed's section 4) and the programme plan (the
seed's section 3). Keyed by KPI code only: it does not depend on any measure app; the
definitions are completed by the registry sync after migrate."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import migrations

# code: (measure, period kind, unit, direction, title_zh, title_en, targets)
# A target is (kind, comparator, value | None, factor, divisor). Percent values are ratios.
DEFAULTS = {
    "services.response_time.counter": (
        1,
        "month",
        "seconds",
        "lower",
        "柜面响应时间",
        "Counter response time",
        [("relative", "lte", None, "0.8", "1")],
    ),
    "services.response_time.phone": (
        1,
        "month",
        "seconds",
        "lower",
        "电话平均应答时间",
        "Phone answer time (ASA)",
        [("absolute", "lte", "30", "1", "1"), ("relative", "lte", None, "0.8", "1")],
    ),
    "services.response_time.online": (
        1,
        "month",
        "seconds",
        "lower",
        "线上首次响应时间",
        "Online first response",
        [("relative", "lte", None, "0.8", "1")],
    ),
    "services.counter_handling_time": (
        1,
        "month",
        "seconds",
        "lower",
        "柜面办理时长",
        "Counter handling time",
        [("absolute", "lte", "300", "1", "1")],
    ),
    "services.csat": (
        1,
        "month",
        "percent",
        "higher",
        "客户满意度",
        "Customer satisfaction",
        [("absolute", "gte", "0.85", "1", "1")],
    ),
    "services.bot_containment": (
        1,
        "month",
        "percent",
        "higher",
        "智能客服自助解决率",
        "Chatbot containment",
        [],
    ),
    "services.abandon_rate": (1, "month", "percent", "lower", "放弃率", "Abandon rate", []),
    "transparency.tracking_coverage": (
        2,
        "month",
        "percent",
        "higher",
        "进度可查询覆盖率",
        "Tracking coverage",
        [("absolute", "gte", "0.80", "1", "1")],
    ),
    "transparency.tracking_usage": (
        2,
        "month",
        "percent",
        "higher",
        "线上查询使用率",
        "Tracking usage",
        [],
    ),
    "transparency.inquiry_rate": (
        2,
        "month",
        "per_100",
        "lower",
        "进度咨询率",
        "Progress inquiry rate",
        [("relative", "lte", None, "0.7", "1")],
    ),
    "transparency.steps_on_time": (
        2,
        "month",
        "percent",
        "higher",
        "环节按时完成率",
        "Steps on time",
        [],
    ),
    "credit.npl_ratio": (
        3,
        "quarter",
        "percent",
        "lower",
        "不良贷款率",
        "NPL ratio",
        [("absolute", "lt", "0.02", "1", "1")],
    ),
    "credit.approval_error_rate": (
        3,
        "quarter",
        "percent",
        "lower",
        "信贷审批差错率",
        "Approval error rate",
        [("absolute", "lte", "0.005", "1", "1")],
    ),
    "integration.processing_time": (
        4,
        "month",
        "seconds",
        "lower",
        "信息处理时间",
        "Processing time",
        [("relative", "lte", None, "1", "1.3")],
    ),
    "integration.data_sharing_rate": (
        4,
        "month",
        "percent",
        "higher",
        "数据共享率",
        "Data sharing rate",
        [("absolute", "gte", "0.90", "1", "1")],
    ),
    "training.coverage": (
        5,
        "quarter",
        "percent",
        "higher",
        "培训覆盖率",
        "Training coverage",
        [("absolute", "gte", "1", "1", "1")],
    ),
    "training.employee_satisfaction": (
        5,
        "quarter",
        "percent",
        "higher",
        "员工满意度",
        "Employee satisfaction",
        [("absolute", "gte", "0.80", "1", "1")],
    ),
}

# number: (title_zh, title_en, department, months or None for continuous, steps)
# A step is (first month, last month, title_zh, title_en); month 1 is the programme start month.
PLAN = {
    1: (
        "优化客户服务流程",
        "Optimise customer service",
        "customer_service",
        3,
        [
            (
                1,
                1,
                "对现有服务流程进行调研与分析，识别瓶颈环节",
                "Survey and analyse current processes, find bottlenecks",
            ),
            (
                2,
                2,
                "设计优化方案，制定标准响应时间",
                "Design the optimisation, set standard response times",
            ),
            (
                3,
                3,
                "培训客服人员并落实优化措施，进行效果评估",
                "Train agents, roll out, evaluate the effect",
            ),
        ],
    ),
    2: (
        "提升业务流程透明度",
        "Improve process transparency",
        "it",
        4,
        [
            (1, 1, "实时进度查询系统的需求分析", "Requirements for the progress query system"),
            (2, 2, "系统开发与测试", "Development and testing"),
            (3, 3, "系统上线前进行内部培训", "Internal training before launch"),
            (
                4,
                4,
                "正式上线，收集客户反馈进行优化",
                "Go live, collect customer feedback and improve",
            ),
        ],
    ),
    3: (
        "加强风险控制机制",
        "Strengthen risk control",
        "risk",
        2,
        [
            (
                1,
                1,
                "建立信用风险评估标准与审核流程",
                "Credit-risk assessment standards and review process",
            ),
            (
                2,
                2,
                "开展全员培训，确保每位员工掌握风险控制要点",
                "Train all staff on the risk-control points",
            ),
        ],
    ),
    4: (
        "推进信息系统整合",
        "Integrate information systems",
        "it",
        6,
        [
            (1, 2, "系统评估与需求分析", "System assessment and requirements"),
            (3, 3, "制定整合方案并进行系统改造", "Integration plan and system changes"),
            (
                4,
                6,
                "系统测试与上线，确保数据共享与整合",
                "Testing and go-live, data sharing in place",
            ),
        ],
    ),
    5: (
        "强化员工培训与素质提升",
        "Strengthen staff training",
        "hr",
        None,
        [
            (
                1,
                3,
                "设立考核机制，依据培训效果进行评估和反馈",
                "Set up the assessment mechanism with evaluation and feedback",
            ),
            (
                1,
                3,
                "第一季度业务培训和服务技能提升课程",
                "Business and service-skill courses, quarter 1",
            ),
            (
                4,
                6,
                "第二季度业务培训和服务技能提升课程",
                "Business and service-skill courses, quarter 2",
            ),
            (
                7,
                9,
                "第三季度业务培训和服务技能提升课程",
                "Business and service-skill courses, quarter 3",
            ),
            (
                10,
                12,
                "第四季度业务培训和服务技能提升课程",
                "Business and service-skill courses, quarter 4",
            ),
        ],
    ),
}


def seed(apps, schema_editor):
    KpiDefinition = apps.get_model("kpis", "KpiDefinition")
    KpiTarget = apps.get_model("kpis", "KpiTarget")
    Initiative = apps.get_model("kpis", "Initiative")
    PlanStep = apps.get_model("kpis", "PlanStep")
    Department = apps.get_model("qc_portal", "Department")
    # Targets apply from the programme start; the months before it are the baseline.
    start = getattr(settings, "QC_PROGRAMME_START", date(2026, 4, 1))
    for code, (measure, kind, unit, direction, title_zh, title_en, targets) in DEFAULTS.items():
        definition, _ = KpiDefinition.objects.get_or_create(
            code=code,
            defaults=dict(
                measure=measure,
                period_kind=kind,
                unit=unit,
                direction=direction,
                title_zh=title_zh,
                title_en=title_en,
                scopes=["bank", "branch"],
            ),
        )
        if KpiTarget.objects.filter(kpi=definition).exists():
            continue
        for target_kind, comparator, value, factor, divisor in targets:
            KpiTarget.objects.create(
                kpi=definition,
                kind=target_kind,
                comparator=comparator,
                value=None if value is None else Decimal(value),
                factor=Decimal(factor),
                divisor=Decimal(divisor),
                effective_from=start,
                note="seed §4",
            )
    for number, (title_zh, title_en, department, months, steps) in PLAN.items():
        initiative, created = Initiative.objects.get_or_create(
            number=number,
            defaults=dict(
                title_zh=title_zh,
                title_en=title_en,
                duration_months=months,
                department=Department.objects.get(code=department),
            ),
        )
        if not created:
            continue
        for order, (first, last, step_zh, step_en) in enumerate(steps, start=1):
            PlanStep.objects.create(
                initiative=initiative,
                order=order,
                first_month=first,
                last_month=last,
                title_zh=step_zh,
                title_en=step_en,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("kpis", "0001_initial"),
        ("qc_portal", "0002_roles_and_departments"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
