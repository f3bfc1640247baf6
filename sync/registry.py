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
