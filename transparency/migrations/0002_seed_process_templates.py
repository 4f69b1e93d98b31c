"""Version 1 of the process templates of the bank's main business types.

The three loan types share the credit approval stages (DESIGN.md §5): the credit app posts each
stage decision onto these step codes, so they must stay exactly
submitted → initial_review → second_review → final_approval → disbursement.
Durations are standard service times in working hours (h) or working days (d).
"""

from django.db import migrations

# step code, name zh, name en, department, duration, unit, description zh, description en
LOAN_STEPS = {
    "submitted": (
        "申请已受理",
        "Application received",
        "retail",
        "客户经理核对申请材料是否齐全。",
        "Your relationship manager checks that the application is complete.",
    ),
    "initial_review": (
        "初审",
        "Initial review",
        "risk",
        "风险管理部初审岗核实资料并评估还款能力。",
        "A risk officer checks your documents and ability to repay.",
    ),
    "second_review": (
        "复审",
        "Second review",
        "risk",
        "另一名审查人员独立复核初审结论。",
        "A second officer independently reviews the first assessment.",
    ),
    "final_approval": (
        "终审",
        "Final approval",
        "risk",
        "有审批权限的终审人作出最终决定。",
        "An approver with the required authority takes the final decision.",
    ),
    "disbursement": (
        "放款",
        "Disbursement",
        "retail",
        "签署合同后资金发放至您的账户。",
        "After the contract is signed the funds are paid into your account.",
    ),
}
LOAN_DURATIONS = {
    # business type: durations of the five steps, (number, unit)
    "consumer_loan": [(4, "hours"), (2, "days"), (1, "days"), (1, "days"), (1, "days")],
    "mortgage": [(1, "days"), (5, "days"), (3, "days"), (2, "days"), (5, "days")],
    "business_loan": [(1, "days"), (4, "days"), (3, "days"), (2, "days"), (3, "days")],
}
OTHER_STEPS = {
    "account_opening": [
        (
            "submitted",
            "申请已受理",
            "Application received",
            "customer_service",
            1,
            "hours",
            "柜员受理开户申请。",
            "The counter accepts your account-opening request.",
        ),
        (
            "identity_verification",
            "身份核验",
            "Identity verification",
            "customer_service",
            4,
            "hours",
            "核验身份证件并完成联网核查。",
            "Your identity document is verified against the national register.",
        ),
        (
            "account_setup",
            "账户开立",
            "Account set-up",
            "retail",
            1,
            "days",
            "开立账户并设置签约服务。",
            "The account and its services are set up.",
        ),
        (
            "activation",
            "账户激活",
            "Activation",
            "customer_service",
            4,
            "hours",
            "账户激活，可以开始使用。",
            "The account is activated and ready to use.",
        ),
    ],
    "card_application": [
        (
            "submitted",
            "申请已受理",
            "Application received",
            "retail",
            4,
            "hours",
            "收到您的信用卡申请。",
            "We have received your card application.",
        ),
        (
            "credit_check",
            "资信审核",
            "Credit check",
            "risk",
            3,
            "days",
            "审核您的征信与收入情况并核定额度。",
            "Your credit history and income are checked and a limit is set.",
        ),
        (
            "card_production",
            "制卡",
            "Card production",
            "retail",
            5,
            "days",
            "卡片制作中。",
            "Your card is being produced.",
        ),
        (
            "card_delivery",
            "卡片寄送",
            "Card delivery",
            "customer_service",
            3,
            "days",
            "卡片已寄出，请留意签收并激活。",
            "Your card is on its way; please sign for it and activate it.",
        ),
    ],
    "wealth_product": [
        (
            "submitted",
            "申请已受理",
            "Order received",
            "retail",
            2,
            "hours",
            "收到您的理财产品申购。",
            "We have received your subscription order.",
        ),
        (
            "suitability_assessment",
            "风险适配评估",
            "Suitability assessment",
            "retail",
            1,
            "days",
            "确认产品风险等级与您的风险承受能力匹配。",
            "We confirm the product's risk level suits your risk profile.",
        ),
        (
            "order_confirmation",
            "份额确认",
            "Order confirmation",
            "retail",
            1,
            "days",
            "产品管理人确认申购份额。",
            "The product manager confirms your units.",
        ),
        (
            "settlement",
            "资金交收",
            "Settlement",
            "retail",
            2,
            "days",
            "资金交收完成，份额到账。",
            "Settlement is completed and the units are in your account.",
        ),
    ],
}
NAMES = {
    "consumer_loan": ("个人消费贷款", "Consumer loan"),
    "mortgage": ("个人住房贷款", "Mortgage"),
    "business_loan": ("小微企业贷款", "Business loan"),
    "account_opening": ("开立账户", "Account opening"),
    "card_application": ("信用卡申请", "Card application"),
    "wealth_product": ("理财产品申购", "Wealth product subscription"),
}


def template_steps():
    for business_type, durations in LOAN_DURATIONS.items():
        yield (
            business_type,
            [
                (code, zh, en, dept, number, unit, dzh, den)
                for (code, (zh, en, dept, dzh, den)), (number, unit) in zip(
                    LOAN_STEPS.items(), durations, strict=True
                )
            ],
        )
    yield from OTHER_STEPS.items()


def seed(apps, schema_editor):
    ProcessTemplate = apps.get_model("transparency", "ProcessTemplate")
    TemplateStep = apps.get_model("transparency", "TemplateStep")
    for business_type, steps in template_steps():
        if ProcessTemplate.objects.filter(business_type=business_type).exists():
            continue
        name_zh, name_en = NAMES[business_type]
        template = ProcessTemplate.objects.create(
            business_type=business_type,
            version=1,
            name_zh=name_zh,
            name_en=name_en,
            is_current=True,
            effective_from="2025-01-01",
        )
        TemplateStep.objects.bulk_create(
            TemplateStep(
                template=template,
                position=position,
                code=code,
                name_zh=zh,
                name_en=en,
                department_code=dept,
                duration=number,
                duration_unit=unit,
                description_zh=dzh,
                description_en=den,
                manual_anchor=code,
            )
            for position, (code, zh, en, dept, number, unit, dzh, den) in enumerate(steps, start=1)
        )


def unseed(apps, schema_editor):
    apps.get_model("transparency", "ProcessTemplate").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("transparency", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
