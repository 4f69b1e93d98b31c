"""The demo bank's organisation: branches, staff for every role, customers, demo logins.

`seed_demo` calls this first, then each measure app's own `demo.seed(context)` in
DEMO_APP_ORDER. Everything here is deterministic for a given seed and safe to run twice.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from tqdm import tqdm

from qc_portal.models import Branch, Customer, Department, StaffProfile
from qc_portal.roles import Role

DEMO_PASSWORD = "QcDemo#2026"
# The demo logins that need two-factor authentication (risk roles, integration admin, admin)
# are enrolled with this documented TOTP secret: add it to any authenticator app, or read the
# current code on the code page, which shows it in the embedded demo (DEBUG) only. A
# production deploy check refuses any device with this key (qc_portal/checks.py).
DEMO_TOTP_SECRET = "QCPORTALDEMOQCPORTALDEMOQCPORTAL"  # base32, 20 bytes
DEMO_TOTP_KEY = base64.b32decode(DEMO_TOTP_SECRET).hex()
# Measure apps seed after the organisation, in this order (credit opens cases, so it follows
# transparency; kpis computes results from everything before it).
DEMO_APP_ORDER = [
    "services",
    "transparency",
    "credit",
    "integration",
    "training",
    "assistant",
    "kpis",
]

SCALES = {
    # branches, staff per branch, customers per branch
    "small": (4, 8, 40),
    "medium": (12, 14, 150),
    "bank": (500, 40, 400),
}
CITIES = [
    ("BJ", "北京", "Beijing"),
    ("SH", "上海", "Shanghai"),
    ("GZ", "广州", "Guangzhou"),
    ("SZ", "深圳", "Shenzhen"),
    ("HZ", "杭州", "Hangzhou"),
    ("NJ", "南京", "Nanjing"),
    ("CD", "成都", "Chengdu"),
    ("WH", "武汉", "Wuhan"),
    ("XA", "西安", "Xi'an"),
    ("TJ", "天津", "Tianjin"),
    ("CQ", "重庆", "Chongqing"),
    ("SU", "苏州", "Suzhou"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉建国文斌宇浩凯婷雪琳晨欣怡子涵梓轩一诺思远佳怡雨萱"

# role -> (department code, position, credit authority limit)
ROLE_STAFF = {
    Role.SERVICE_AGENT: ("customer_service", "柜员", 0),
    Role.BRANCH_MANAGER: ("retail", "网点负责人", 0),
    Role.RELATIONSHIP_MANAGER: ("retail", "客户经理", 0),
    Role.RISK_INITIAL: ("risk", "初审岗", 0),
    Role.RISK_REVIEW: ("risk", "复审岗", 0),
    Role.RISK_FINAL: ("risk", "终审岗", 5_000_000),
    Role.RISK_MANAGER: ("risk", "风险经理", 0),
    Role.INTEGRATION_ADMIN: ("it", "集成管理员", 0),
    Role.HR_TRAINER: ("hr", "培训专员", 0),
    Role.HEAD_OFFICE: ("head_office", "总行管理层", 0),
    Role.AUDITOR: ("head_office", "内部审计", 0),
}


@dataclass
class DemoContext:
    seed: int
    scale: str
    rng: random.Random
    now: datetime
    stdout: object = None
    branches: list[Branch] = field(default_factory=list)
    logins: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # printed at the end of seed_demo

    @property
    def programme_start(self) -> date:
        return settings.QC_PROGRAMME_START

    def progress(self, iterable=None, *, total=None, desc: str = ""):
        return tqdm(iterable, total=total, desc=desc, unit="rows", leave=False, file=self.stdout)

    def person_name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(
            self.rng.choices(GIVEN, k=self.rng.choice((1, 2)))
        )


def seed_organisation(context: DemoContext) -> None:
    branch_count, staff_per_branch, customers_per_branch = SCALES[context.scale]
    departments = {d.code: d for d in Department.objects.all()}
    codes = []
    for number in range(branch_count):
        prefix, city_zh, city_en = CITIES[number % len(CITIES)]
        codes.append((f"{prefix}{number // len(CITIES) + 1:03d}", city_zh, city_en, number))
    existing = set(
        Branch.objects.filter(code__in=[c[0] for c in codes]).values_list("code", flat=True)
    )
    Branch.objects.bulk_create(
        [
            Branch(
                code=code,
                name_zh=f"{city_zh}第{number // len(CITIES) + 1}支行",
                name_en=f"{city_en} Sub-branch {number // len(CITIES) + 1}",
                city=city_zh,
            )
            for code, city_zh, city_en, number in codes
            if code not in existing
        ]
    )
    # The demo branches by their codes, in plan order: branches created by anything else
    # (a test, an HR import) never take their place.
    by_code = Branch.objects.in_bulk([c[0] for c in codes], field_name="code")
    context.branches = [by_code[code] for code, *_rest in codes]
    home = context.branches[0]

    User = get_user_model()
    groups = {g.name: g for g in Group.objects.all()}
    # One login per role, named after the role, at the first branch.
    for role, (department, position, limit) in ROLE_STAFF.items():
        user = _demo_user(User, role, groups[role])
        StaffProfile.objects.get_or_create(
            user=user,
            defaults=dict(
                employee_number=f"E{list(Role).index(role):02d}0001",
                full_name=context.person_name(),
                branch=home,
                department=departments[department],
                position=position,
                hired_on=date(2020, 3, 1),
                credit_authority_limit=limit,
            ),
        )
        context.logins[role] = user
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User.objects.create_superuser("admin", "admin@bank.example", DEMO_PASSWORD)
    context.logins["admin"] = admin
    _enrol_demo_two_factor(context)

    # A manager at a second branch, to see scoping at work.
    if len(context.branches) > 1:
        other = _demo_user(User, "branch_manager_2", groups[Role.BRANCH_MANAGER])
        StaffProfile.objects.get_or_create(
            user=other,
            defaults=dict(
                employee_number="E020002",
                full_name=context.person_name(),
                branch=context.branches[1],
                department=departments["retail"],
                position="网点负责人",
                hired_on=date(2021, 5, 10),
            ),
        )

    # Rank-and-file staff: agents and relationship managers in every branch.
    if not StaffProfile.objects.filter(employee_number__startswith="S").exists():
        _seed_staff(context, User, groups, departments, staff_per_branch)
    if not Customer.objects.exists():
        _seed_customers(context, customers_per_branch)
    customer = Customer.objects.order_by("id").first()
    customer_user = _demo_user(User, "customer", groups[Role.CUSTOMER])
    if customer.user_id is None and not Customer.objects.filter(user=customer_user).exists():
        customer.user = customer_user
        customer.email = "customer@bank.example"
        customer.save(update_fields=["user", "email"])
    context.logins[Role.CUSTOMER] = customer_user


def _enrol_demo_two_factor(context: DemoContext) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from qc_portal.middleware import requires_two_factor

    enrolled = []
    for name, user in sorted(context.logins.items()):
        if not requires_two_factor(user):
            continue
        TOTPDevice.objects.get_or_create(
            user=user,
            confirmed=True,
            defaults={"name": "demo authenticator", "key": DEMO_TOTP_KEY},
        )
        enrolled.append(str(name))
    context.notes.append(
        "Two-factor sign-in for "
        + ", ".join(enrolled)
        + f": TOTP secret {DEMO_TOTP_SECRET} (any authenticator app); in the demo the code"
        " page also shows the current code."
    )


def _demo_user(User, username: str, group: Group):
    user, created = User.objects.get_or_create(
        username=username, defaults={"email": f"{username}@bank.example"}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    user.groups.add(group)
    return user


def _seed_staff(context: DemoContext, User, groups, departments, per_branch: int) -> None:
    hashed = User(username="x")  # hash the demo password once, not once per user
    hashed.set_password(DEMO_PASSWORD)
    users, profiles, memberships = [], [], []
    plan = []
    for branch in context.branches:
        for n in range(per_branch):
            role = Role.RELATIONSHIP_MANAGER if n % 4 == 3 else Role.SERVICE_AGENT
            plan.append((branch, n, role))
    for branch, n, _role in context.progress(plan, desc="staff"):
        users.append(User(username=f"s_{branch.code.lower()}_{n:03d}", password=hashed.password))
    # Row-level idempotence: a half-finished earlier run (users without profiles) is completed.
    User.objects.bulk_create(users, batch_size=2000, ignore_conflicts=True)
    by_name = dict(User.objects.filter(username__startswith="s_").values_list("username", "id"))
    for index, (branch, n, role) in enumerate(plan):
        user_id = by_name[f"s_{branch.code.lower()}_{n:03d}"]
        department = "customer_service" if role == Role.SERVICE_AGENT else "retail"
        profiles.append(
            StaffProfile(
                user_id=user_id,
                employee_number=f"S{index + 1:06d}",
                full_name=context.person_name(),
                branch=branch,
                department=departments[department],
                position="柜员" if role == Role.SERVICE_AGENT else "客户经理",
                hired_on=date(2018 + context.rng.randrange(8), context.rng.randrange(1, 13), 1),
            )
        )
        memberships.append(User.groups.through(user_id=user_id, group_id=groups[role].id))
    StaffProfile.objects.bulk_create(profiles, batch_size=2000, ignore_conflicts=True)
    User.groups.through.objects.bulk_create(memberships, batch_size=2000, ignore_conflicts=True)


def _seed_customers(context: DemoContext, per_branch: int) -> None:
    customers = []
    number = 0
    for branch in context.branches:
        for _n in range(per_branch):
            number += 1
            customers.append(
                Customer(
                    customer_number=f"C{number:08d}",
                    name=context.person_name(),
                    id_number_masked=f"1101**********{context.rng.randrange(1000, 9999)}",
                    phone=f"13{context.rng.randrange(100000000, 999999999)}",
                    preferred_language="en" if context.rng.random() < 0.1 else "zh-hans",
                    home_branch=branch,
                )
            )
    Customer.objects.bulk_create(context.progress(customers, desc="customers"), batch_size=5000)
