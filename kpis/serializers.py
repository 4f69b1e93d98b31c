from __future__ import annotations

from rest_framework import serializers

from kpis.evaluation import describe_target


class TargetSerializer(serializers.Serializer):
    kind = serializers.CharField()
    comparator = serializers.CharField()
    value = serializers.DecimalField(max_digits=18, decimal_places=6, allow_null=True)
    factor = serializers.DecimalField(max_digits=10, decimal_places=6)
    divisor = serializers.DecimalField(max_digits=10, decimal_places=6)
    effective_from = serializers.DateField()
    text = serializers.SerializerMethodField()

    def get_text(self, target) -> str:
        return describe_target(target.as_spec(), target.kpi.unit)


class DefinitionSerializer(serializers.Serializer):
    code = serializers.CharField()
    measure = serializers.IntegerField()
    period_kind = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.CharField()
    title_zh = serializers.CharField()
    title_en = serializers.CharField()
    definition_zh = serializers.CharField()
    definition_en = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    targets = TargetSerializer(many=True)


class ResultSerializer(serializers.Serializer):
    kpi = serializers.CharField(source="kpi.code")
    measure = serializers.IntegerField(source="kpi.measure")
    unit = serializers.CharField(source="kpi.unit")
    period = serializers.CharField(source="period_key")
    scope = serializers.CharField()
    branch_name = serializers.SerializerMethodField()
    numerator = serializers.FloatField()
    denominator = serializers.FloatField()
    value = serializers.FloatField(allow_null=True)
    observations = serializers.IntegerField()
    target = serializers.CharField(source="target_text")
    target_conditions = serializers.JSONField(source="target_snapshot")
    baseline = serializers.FloatField(source="baseline_value", allow_null=True)
    status = serializers.CharField()
    provisional = serializers.BooleanField()
    computed_at = serializers.DateTimeField()

    def get_branch_name(self, result) -> str | None:
        return result.branch.name if result.branch_id else None
