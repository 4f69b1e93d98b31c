"""Records the core banking system sends to credit through the signed ingest API."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from credit import actions
from credit.models import Loan
from integration.registry import inbound_type


class LoanStatusInboundSerializer(serializers.Serializer):
    loan_number = serializers.CharField(max_length=24)
    balance = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)
    days_past_due = serializers.IntegerField(min_value=0, max_value=20000)
    as_of = serializers.DateField()


@inbound_type(
    "loan_status",
    serializer=LoanStatusInboundSerializer,
    description="A loan's outstanding balance and days past due (principal, interest or fees) "
    "at the end of a business day, from the core banking system",
)
def apply_loan_status(data: dict, *, source) -> Loan:
    loan = Loan.objects.filter(reference=data["loan_number"]).first()
    if loan is None:
        raise ValidationError({"loan_number": _("Unknown loan number.")})
    return actions.update_loan_status(
        loan,
        balance=data["balance"],
        days_past_due=data["days_past_due"],
        as_of=data["as_of"],
        source_label=f"source:{source.code}",
    )
