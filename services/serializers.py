"""Input and output shapes of the services API and inbound records."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from services.erlang import MAX_TRAFFIC
from services.models import Channel, Outcome, ServiceType


class ErlangQuerySerializer(serializers.Serializer):
    arrivals_per_hour = serializers.FloatField(min_value=0, max_value=1_000_000)
    aht_seconds = serializers.FloatField()
    target_seconds = serializers.FloatField()
    target_level = serializers.FloatField()
    max_occupancy = serializers.FloatField(required=False)
    shrinkage = serializers.FloatField(required=False, min_value=0)

    def validate_aht_seconds(self, value):
        if value <= 0:
            raise serializers.ValidationError(_("The handling time must be more than 0 seconds."))
        return value

    def validate_target_seconds(self, value):
        if value <= 0:
            raise serializers.ValidationError(_("The target time must be more than 0 seconds."))
        return value

    def validate_target_level(self, value):
        if not 0 < value < 1:
            raise serializers.ValidationError(
                _("The service level is a share strictly between 0 and 1 (e.g. 0.8).")
            )
        return value

    def validate_max_occupancy(self, value):
        if not 0 < value <= 1:
            raise serializers.ValidationError(
                _("The occupancy cap is a share above 0 and at most 1.")
            )
        return value

    def validate_shrinkage(self, value):
        if not 0 <= value < 1:
            raise serializers.ValidationError(
                _("Shrinkage is a share from 0 up to (not including) 1.")
            )
        return value

    def validate(self, data):
        if data["arrivals_per_hour"] * data["aht_seconds"] / 3600 > MAX_TRAFFIC:
            raise serializers.ValidationError(
                {"arrivals_per_hour": [_("The traffic is too large for one queue.")]}
            )
        return data


class ErlangResultSerializer(serializers.Serializer):
    agents = serializers.IntegerField()
    service_level = serializers.FloatField()
    asa_seconds = serializers.FloatField()
    occupancy = serializers.FloatField()
    traffic_erlangs = serializers.FloatField()
    probability_of_waiting = serializers.FloatField()
    rostered = serializers.IntegerField(required=False)


class FeedbackCreateSerializer(serializers.Serializer):
    service_record = serializers.IntegerField()
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class FeedbackSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    service_record = serializers.IntegerField(source="service_record_id")
    rating = serializers.IntegerField()
    comment = serializers.CharField()
    rated_at = serializers.DateTimeField()


class MyServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    branch = serializers.CharField(source="branch.code")
    channel = serializers.CharField()
    service_type = serializers.CharField()
    arrived_at = serializers.DateTimeField()
    outcome = serializers.CharField()
    rating = serializers.SerializerMethodField()

    def get_rating(self, record) -> int | None:
        feedback = getattr(record, "feedback", None)
        return feedback.rating if feedback else None


class ServiceRecordInboundSerializer(serializers.Serializer):
    """One contact from the queue-management, call-centre or chatbot system."""

    external_id = serializers.CharField(max_length=80)
    branch = serializers.CharField(max_length=20, help_text="branch code")
    channel = serializers.ChoiceField(choices=Channel.choices)
    service_type = serializers.ChoiceField(choices=ServiceType.choices, default=ServiceType.OTHER)
    arrived_at = serializers.DateTimeField()
    called_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    finished_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    ticket_number = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default=""
    )
    customer_number = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default=""
    )
    agent_employee_number = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default=""
    )


class ServiceFeedbackInboundSerializer(serializers.Serializer):
    """A rating collected by another system (SMS survey, pad at the counter) for a contact
    that system sent before (its external id)."""

    service_external_id = serializers.CharField(max_length=80)
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    rated_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class WaitingTicketSerializer(serializers.Serializer):
    ticket_number = serializers.CharField()
    service_type = serializers.CharField()
    arrived_at = serializers.DateTimeField()
    wait_seconds = serializers.IntegerField()


class ChannelTodaySerializer(serializers.Serializer):
    channel = serializers.CharField()
    arrived = serializers.IntegerField()
    served = serializers.IntegerField()
    abandoned = serializers.IntegerField()
    mean_wait = serializers.FloatField(allow_null=True)
    response_target = serializers.IntegerField(allow_null=True)
    mean_handling = serializers.FloatField(allow_null=True)
    handling_target = serializers.IntegerField(allow_null=True)


class LiveQueueSerializer(serializers.Serializer):
    branch = serializers.CharField(source="branch.code")
    now = serializers.DateTimeField()
    waiting_count = serializers.IntegerField()
    longest_wait_seconds = serializers.IntegerField()
    counters_open = serializers.IntegerField()
    rostered = serializers.IntegerField(allow_null=True)
    ringing = serializers.IntegerField()
    online_waiting = serializers.IntegerField()
    breached = serializers.BooleanField()
    extra_staff_needed = serializers.IntegerField(allow_null=True)
    waiting = WaitingTicketSerializer(many=True)
    channels = ChannelTodaySerializer(many=True)
