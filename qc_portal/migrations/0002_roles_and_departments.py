"""Seeds the roles of DESIGN.md §1 as groups and the departments named by the seed."""

from django.db import migrations

ROLES = [
    "customer",
    "service_agent",
    "branch_manager",
    "relationship_manager",
    "risk_initial",
    "risk_review",
    "risk_final",
    "risk_manager",
    "integration_admin",
    "hr_trainer",
    "head_office",
    "auditor",
]
DEPARTMENTS = [
    ("customer_service", "客户服务部", "Customer Service"),
    ("it", "信息技术部", "IT"),
    ("risk", "风险管理部", "Risk Management"),
    ("hr", "人力资源部", "Human Resources"),
    ("retail", "零售银行部", "Retail Banking"),
    ("head_office", "总行办公室", "Head Office"),
]


def seed(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Department = apps.get_model("qc_portal", "Department")
    for role in ROLES:
        Group.objects.get_or_create(name=role)
    for code, name_zh, name_en in DEPARTMENTS:
        Department.objects.update_or_create(
            code=code, defaults={"name_zh": name_zh, "name_en": name_en}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("qc_portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
