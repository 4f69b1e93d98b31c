"""Seed the programme's standards (seed measure 1): counter handling ≤ 300 s and phone
answered ≤ 30 s, for every service type. The customer-service department edits the rest."""

from datetime import date

from django.db import migrations

TYPES = [
    "deposit_withdrawal",
    "transfer",
    "account_opening",
    "card",
    "loan_enquiry",
    "wealth",
    "other",
]


def seed(apps, schema_editor):
    ServiceStandard = apps.get_model("services", "ServiceStandard")
    rows = []
    for service_type in TYPES:
        rows.append(
            ServiceStandard(
                channel="counter",
                service_type=service_type,
                handling_target_seconds=300,
                effective_from=date(2020, 1, 1),
            )
        )
        rows.append(
            ServiceStandard(
                channel="phone",
                service_type=service_type,
                response_target_seconds=30,
                effective_from=date(2020, 1, 1),
            )
        )
    ServiceStandard.objects.bulk_create(rows, ignore_conflicts=True)


def unseed(apps, schema_editor):
    apps.get_model("services", "ServiceStandard").objects.filter(
        effective_from=date(2020, 1, 1)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("services", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
