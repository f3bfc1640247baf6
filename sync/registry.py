"""Topics (with versioned payload schemas) and the handlers that receiving apps register.

A topic names its direction: ``up`` messages go from a province to HQ, ``down`` messages
from HQ to provinces. Its payload schema is a DRF serializer; ``publish`` and the receiving
side both validate against it, so a malformed payload fails loudly at the sender.
"""

from collections.abc import Callable
from dataclasses import dataclass

from rest_framework import serializers

UP = "up"
DOWN = "down"


@dataclass(frozen=True)
class Topic:
    name: str
    direction: str
    version: int
    payload: type[serializers.Serializer]


TOPICS: dict[str, Topic] = {}
HANDLERS: dict[str, Callable] = {}


def register_topic(name: str, *, direction: str, version: int, payload) -> Topic:
    topic = Topic(name, direction, version, payload)
    TOPICS[name] = topic
    return topic


def get_topic(name: str) -> Topic:
    try:
        return TOPICS[name]
    except KeyError:
        raise LookupError(f"Unknown sync topic {name!r}") from None


def handler(topic: str):
    """Register the decorated function as the handler of ``topic`` (one per topic)."""

    def decorate(func: Callable) -> Callable:
        existing = HANDLERS.get(topic)
        if existing is not None and existing is not func:
            raise ValueError(f"Topic {topic!r} already has a handler: {existing!r}")
        HANDLERS[topic] = func
        return func

    return decorate


def validate_payload(topic: Topic, payload: dict) -> dict:
    serializer = topic.payload(data=payload)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- Topics ------------------------------------------------------------------------------


class OrgSummaryPayload(serializers.Serializer):
    staff_count = serializers.IntegerField(min_value=0)
    org_unit_count = serializers.IntegerField(min_value=0)


register_topic("org.summary", direction=UP, version=1, payload=OrgSummaryPayload)


# --- Indicators and targets (appendix 1, R11.2) ------------------------------------------
# Payloads carry only JSON types: months as "YYYY-MM", amounts as decimal strings (exact),
# times as ISO strings; the outbox stores the validated data as JSON.

_MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
_DECIMAL = r"^-?\d{1,16}(\.\d{1,4})?$"


class IndicatorDefinitionPayload(serializers.Serializer):
    code = serializers.CharField(max_length=32)
    name_zh = serializers.CharField(max_length=100)
    name_en = serializers.CharField(max_length=100)
    definition = serializers.CharField()
    unit = serializers.CharField(max_length=16)
    period = serializers.CharField(max_length=8)
    dimensions = serializers.ListField(child=serializers.CharField(max_length=16))
    over_time = serializers.CharField(max_length=8)
    has_source = serializers.BooleanField()


class IndicatorDefinitionsPayload(serializers.Serializer):
    """HQ → province: the whole catalogue as one version (key "catalogue")."""

    version = serializers.IntegerField(min_value=1)
    definitions = IndicatorDefinitionPayload(many=True)


class SnapshotRowPayload(serializers.Serializer):
    indicator = serializers.CharField(max_length=32)
    dimension = serializers.CharField(max_length=16, allow_blank=True)
    member = serializers.CharField(max_length=64, allow_blank=True)
    value = serializers.RegexField(_DECIMAL, allow_null=True)


class TargetCompletionPayload(serializers.Serializer):
    target = serializers.CharField(max_length=32)
    actual = serializers.RegexField(_DECIMAL, allow_null=True)
    completion = serializers.RegexField(_DECIMAL, allow_null=True)


class IndicatorSnapshotPayload(serializers.Serializer):
    """Province → HQ: every indicator of one month (key "YYYY-MM"); replaces that month."""

    period = serializers.RegexField(_MONTH)
    definitions_version = serializers.IntegerField(min_value=0)
    computed_at = serializers.CharField(max_length=40)
    rows = SnapshotRowPayload(many=True)
    targets = TargetCompletionPayload(many=True)


class TargetAssignedPayload(serializers.Serializer):
    """HQ → province: the province's share of a national target (key = target code)."""

    target = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=100)
    indicator = serializers.CharField(max_length=32)
    period_start = serializers.RegexField(_MONTH)
    period_end = serializers.RegexField(_MONTH)
    national_value = serializers.RegexField(_DECIMAL)
    value = serializers.RegexField(_DECIMAL)


register_topic(
    "indicators.definitions", direction=DOWN, version=1, payload=IndicatorDefinitionsPayload
)
register_topic("indicators.snapshot", direction=UP, version=1, payload=IndicatorSnapshotPayload)
register_topic("targets.assigned", direction=DOWN, version=1, payload=TargetAssignedPayload)
