"""Topics (with versioned payload schemas) and the handlers that receiving apps register.

A topic names its direction: ``up`` messages go from a province to HQ, ``down`` messages
from HQ to provinces. Its payload schema is a DRF serializer; ``publish`` and the receiving
side both validate against it, so a malformed payload fails loudly at the sender.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rest_framework import serializers

from shared.vocab.club import LevelDropPolicy
from shared.vocab.customer_levels import LEVEL_ORDER
from shared.vocab.service_requests import RequestKind

UP = "up"
DOWN = "down"


@dataclass(frozen=True)
class Topic:
    name: str
    direction: str
    version: int
    payload: type[serializers.Serializer]
    # Gated topics apply a key's messages newest-first-wins (``AppliedVersion``). A topic
    # whose message carries many rows (a roster chunk) is not: every message is applied, and
    # its handler compares each row's version itself (``sync.upsert_newer``).
    gated: bool = True


TOPICS: dict[str, Topic] = {}
HANDLERS: dict[str, Callable] = {}
# Set-based handlers: ``func(envelopes)`` applies many messages of one topic at once.
BATCH_HANDLERS: dict[str, Callable] = {}
FAILURE_HANDLERS: dict[str, Callable] = {}


def register_topic(
    name: str, *, direction: str, version: int, payload, gated: bool = True
) -> Topic:
    topic = Topic(name, direction, version, payload, gated)
    TOPICS[name] = topic
    return topic


def get_topic(name: str) -> Topic:
    try:
        return TOPICS[name]
    except KeyError:
        raise LookupError(f"Unknown sync topic {name!r}") from None


def handler(topic: str):
    """Register the decorated function as the handler of ``topic`` (one per topic)."""

    return _register(HANDLERS, topic)


def batch_handler(topic: str):
    """Register the decorated function as the set-based handler of ``topic``.

    It is called with a list of envelopes of that topic, at most one per key, each newer
    than anything applied for its key (for an ungated topic: every new message, in order),
    and must apply them all or raise. The inbox gives it
    a whole delivery at once (DESIGN.md §4: a relay batch is applied in a few statements
    instead of a dozen per message); when it raises, the inbox applies the messages one by
    one (each a list of one), so a bad message fails alone, with its own error.
    """
    return _register(BATCH_HANDLERS, topic)


def _register(registry: dict, topic: str):
    def decorate(func: Callable) -> Callable:
        for kind in (HANDLERS, BATCH_HANDLERS):
            existing = kind.get(topic)
            if existing is not None and existing is not func:
                raise ValueError(f"Topic {topic!r} already has a handler: {existing!r}")
        registry[topic] = func
        return func

    return decorate


def on_failure(topic: str):
    """Register the decorated function to run when ``topic``'s handler fails.

    The handler's work is rolled back with its savepoint, so a receiving app that must keep
    a trace of the failure (and report it) cannot do it in the handler itself. This runs
    after that rollback, in the inbox's transaction, with ``(message, exc)``; the message
    stays failed and is retried with backoff whatever this does.
    """

    def decorate(func: Callable) -> Callable:
        FAILURE_HANDLERS[topic] = func
        return func

    return decorate


@dataclass(frozen=True)
class Snapshot:
    """How a province re-publishes everything HQ holds about it for one up topic.

    ``keys()`` returns every key of the topic in the current province, in a stable order;
    ``publish(keys)`` publishes the current state of those keys (in the caller's
    transaction). A full resync runs ``publish`` over ``keys()`` in chunks.
    """

    topic: str
    keys: Callable[[], Sequence[str]]
    publish: Callable[[Sequence[str]], None]


SNAPSHOTS: dict[str, Snapshot] = {}


def register_snapshot(
    topic: str, *, keys: Callable[[], Sequence[str]], publish: Callable[[Sequence[str]], None]
) -> Snapshot:
    """Register the snapshot publisher of an up topic (called from the app's ``ready()``).

    Handlers at HQ upsert and skip stale versions, so re-publishing is always safe.
    """
    spec = get_topic(topic)
    if spec.direction != UP:
        raise ValueError(f"Only up topics have province snapshots, not {topic!r}")
    snapshot = Snapshot(topic, keys, publish)
    SNAPSHOTS[topic] = snapshot
    return snapshot


def validate_payload(topic: Topic, payload: dict) -> dict:
    """The payload as ``topic``'s serializer validates it (raises its ValidationError).

    Payloads the fast checks of ``sync.payloads`` accept skip DRF (a full snapshot
    validates tens of thousands of them); anything else, errors included, goes through the
    serializer, so results and messages are DRF's."""
    from sync.payloads import fast_validate

    validated = fast_validate(topic.payload, payload)
    if validated is not None:
        return validated
    serializer = topic.payload(data=payload)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- Topics ------------------------------------------------------------------------------


class _AsText:
    """Validate like the parent field but keep the text: payloads are stored as JSON."""

    def to_internal_value(self, data):
        return self.to_representation(super().to_internal_value(data))


class JsonDateField(_AsText, serializers.DateField):
    pass


class JsonDateTimeField(_AsText, serializers.DateTimeField):
    pass


class JsonUUIDField(_AsText, serializers.UUIDField):
    pass


class OrgSummaryPayload(serializers.Serializer):
    staff_count = serializers.IntegerField(min_value=0)
    org_unit_count = serializers.IntegerField(min_value=0)


register_topic("org.summary", direction=UP, version=1, payload=OrgSummaryPayload)


# Full resync (issue 5 item 6): HQ asks a province to re-publish its snapshots; the province
# reports progress per topic, keyed by the request id (later messages supersede earlier).
class ResyncRequestPayload(serializers.Serializer):
    request_id = JsonUUIDField()
    requested_by = serializers.CharField(max_length=63, allow_blank=True)
    topics = serializers.ListField(child=serializers.CharField(max_length=64), required=False)


class ResyncTopicProgress(serializers.Serializer):
    topic = serializers.CharField(max_length=64)
    done = serializers.IntegerField(min_value=0)
    total = serializers.IntegerField(min_value=0)


class ResyncProgressPayload(serializers.Serializer):
    request_id = JsonUUIDField()
    status = serializers.ChoiceField(choices=["running", "done", "failed"])
    topics = ResyncTopicProgress(many=True)
    error = serializers.CharField(allow_blank=True, required=False, default="")

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        value["topics"] = [dict(part) for part in value["topics"]]  # plain dicts for JSON
        return value


register_topic("sync.resync", direction=DOWN, version=1, payload=ResyncRequestPayload)
register_topic("sync.resync.progress", direction=UP, version=1, payload=ResyncProgressPayload)


# --- National customer club (R11.1, R6.5.3; docs/club.md) --------------------------------


class ClubBenefitPayload(serializers.Serializer):
    code = serializers.CharField(max_length=32)
    name_zh = serializers.CharField(max_length=64)
    name_en = serializers.CharField(max_length=64)
    kind = serializers.CharField(max_length=16)
    yearly_allowance = serializers.IntegerField(min_value=1)


class ClubTierPayload(serializers.Serializer):
    code = serializers.CharField(max_length=32)
    name_zh = serializers.CharField(max_length=64)
    name_en = serializers.CharField(max_length=64)
    rank = serializers.IntegerField(min_value=0)
    levels = serializers.ListField(child=serializers.CharField(max_length=16), min_length=1)
    benefits = ClubBenefitPayload(many=True)


class ClubRulesPayload(serializers.Serializer):
    """HQ → province: the whole club definition of one published version."""

    version = serializers.IntegerField(min_value=1)
    published_at = JsonDateTimeField()
    min_level = serializers.CharField(max_length=16)
    min_tenure_months = serializers.IntegerField(min_value=0)
    exclude_arrears = serializers.BooleanField()
    # Added after the first publications, with defaults meaning what a province did before
    # they existed (keep the membership and its tier): an older payload still validates and
    # means the same, so the schema stays at version 1 (docs/club.md, "Level changes").
    level_drop = serializers.ChoiceField(
        choices=LevelDropPolicy.values, default=LevelDropPolicy.KEEP
    )
    tier_follows_level = serializers.BooleanField(default=False)
    tiers = ClubTierPayload(many=True)


class ClubMemberPayload(serializers.Serializer):
    """Province → HQ: the roster row of one member (no raw personal data)."""

    card_number = serializers.CharField(max_length=20)
    home_province = serializers.CharField(max_length=63)
    tier = serializers.CharField(max_length=32)
    status = serializers.CharField(max_length=16)
    name_masked = serializers.CharField(max_length=200)
    phone_masked = serializers.CharField(max_length=11, allow_blank=True)
    phone_key = serializers.CharField(max_length=64, allow_blank=True)
    level = serializers.CharField(max_length=16)
    since = JsonDateField()


class ClubRosterPayload(serializers.Serializer):
    """Province → HQ: many roster rows in one message (a full resync, a province enrolling
    its customers). Each row is applied as a ``club.member`` message of this message's
    version would be; one message instead of one per member keeps the protocol's own rows
    (outbox, inbox) per chunk, not per member."""

    members = ClubMemberPayload(many=True, allow_empty=False)


class ClubUsagePayload(serializers.Serializer):
    """Province → HQ: a member's total use of one benefit in one month (replaces the last)."""

    card_number = serializers.CharField(max_length=20)
    tier = serializers.CharField(max_length=32)
    benefit = serializers.CharField(max_length=32)
    month = JsonDateField()
    quantity = serializers.IntegerField(min_value=0)


class ClubVisitRequestPayload(serializers.Serializer):
    """A benefit used by a visiting member: serving province → HQ → home province."""

    request_id = JsonUUIDField()
    card_number = serializers.CharField(max_length=20)
    serving_province = serializers.CharField(max_length=63)
    home_province = serializers.CharField(max_length=63)
    benefit = serializers.CharField(max_length=32)
    quantity = serializers.IntegerField(min_value=1)
    used_on = JsonDateField()


class ClubVisitResultPayload(serializers.Serializer):
    """The home province's answer: home province → HQ → serving province."""

    request_id = JsonUUIDField()
    serving_province = serializers.CharField(max_length=63)
    status = serializers.ChoiceField(choices=["done", "refused"])
    reason = serializers.CharField(max_length=500, allow_blank=True)
    remaining = serializers.IntegerField(allow_null=True)


register_topic("club.rules", direction=DOWN, version=1, payload=ClubRulesPayload)
register_topic("club.member", direction=UP, version=1, payload=ClubMemberPayload)
register_topic("club.roster", direction=UP, version=1, payload=ClubRosterPayload, gated=False)
register_topic("club.usage", direction=UP, version=1, payload=ClubUsagePayload)
register_topic("club.visit.request", direction=UP, version=1, payload=ClubVisitRequestPayload)
register_topic("club.visit.apply", direction=DOWN, version=1, payload=ClubVisitRequestPayload)
register_topic("club.visit.result", direction=UP, version=1, payload=ClubVisitResultPayload)
register_topic("club.visit.reply", direction=DOWN, version=1, payload=ClubVisitResultPayload)


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
    # Whether the indicator adds up (HQ's consolidation "sum"): the province's split over
    # its org units must then add up to its share, as HQ's split over provinces does.
    additive = serializers.BooleanField(required=False, default=True)


register_topic(
    "indicators.definitions", direction=DOWN, version=1, payload=IndicatorDefinitionsPayload
)
register_topic("indicators.snapshot", direction=UP, version=1, payload=IndicatorSnapshotPayload)
register_topic("targets.assigned", direction=DOWN, version=1, payload=TargetAssignedPayload)


# --- National standards (R11.2; docs/standards.md) ----------------------------------------
# One down topic keyed by kind: a province applies a release whose version is newer than the
# one in force for that kind, and reports the outcome up (key = kind; the newest wins).

STANDARD_KINDS = ("levels", "points", "validity", "products", "slas")


class LevelRuleContent(serializers.Serializer):
    level = serializers.ChoiceField(choices=["silver", "gold", "diamond"])
    min_avg_monthly_paid = serializers.RegexField(_DECIMAL)
    min_tenure_months = serializers.IntegerField(min_value=0, allow_null=True, required=False)
    min_active_products = serializers.IntegerField(min_value=0, allow_null=True, required=False)


class LevelStandardContent(serializers.Serializer):
    months = serializers.IntegerField(min_value=1, max_value=36)
    strategic_min_level = serializers.ChoiceField(choices=["silver", "gold", "diamond"])
    validity_months = serializers.IntegerField(min_value=1, max_value=60)
    rules = LevelRuleContent(many=True, min_length=1)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        value["rules"] = [dict(rule) for rule in value["rules"]]
        return value


class EarningRuleContent(serializers.Serializer):
    code = serializers.RegexField(r"^[A-Za-z0-9_.-]{1,32}$")
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=["base", "level_multiplier", "bonus", "penalty"])
    level = serializers.CharField(max_length=16, allow_blank=True, required=False, default="")
    points_per_yuan = serializers.RegexField(_DECIMAL, required=False, default="0")
    multiplier = serializers.RegexField(_DECIMAL, required=False, default="1")
    bonus_points = serializers.IntegerField(required=False, default=0)
    condition = serializers.CharField(max_length=32, allow_blank=True, required=False, default="")
    parameter = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")


class PointsRulesContent(serializers.Serializer):
    rules = EarningRuleContent(many=True)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        value["rules"] = [dict(rule) for rule in value["rules"]]
        return value


class ValidityContent(serializers.Serializer):
    years_after = serializers.IntegerField(min_value=0, max_value=10)


class NationalProductContent(serializers.Serializer):
    code = serializers.RegexField(r"^[A-Za-z0-9_.-]{1,32}$")
    name = serializers.CharField(max_length=100)
    category = serializers.CharField(max_length=16)
    monthly_price = serializers.RegexField(_DECIMAL, required=False, default="0")


class ProductListContent(serializers.Serializer):
    products = NationalProductContent(many=True)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        value["products"] = [dict(product) for product in value["products"]]
        return value


class ServiceTimeLimitContent(serializers.Serializer):
    """One row of the service SLA standard: a customer level × a request kind."""

    level = serializers.ChoiceField(choices=list(LEVEL_ORDER))
    request_kind = serializers.ChoiceField(choices=RequestKind.values)
    response_hours = serializers.RegexField(_DECIMAL)
    resolution_hours = serializers.RegexField(_DECIMAL)
    compliance_target = serializers.RegexField(_DECIMAL)


class ServiceLevelsContent(serializers.Serializer):
    slas = ServiceTimeLimitContent(many=True, min_length=1)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        value["slas"] = [dict(row) for row in value["slas"]]
        return value


STANDARD_CONTENT = {
    "levels": LevelStandardContent,
    "points": PointsRulesContent,
    "validity": ValidityContent,
    "products": ProductListContent,
    "slas": ServiceLevelsContent,
}


class StandardReleasePayload(serializers.Serializer):
    """HQ → province: one published version of one kind of national standard (key = kind)."""

    kind = serializers.ChoiceField(choices=STANDARD_KINDS)
    version = serializers.IntegerField(min_value=1)
    published_at = JsonDateTimeField()
    effective_from = JsonDateField()
    content = serializers.JSONField()

    def validate(self, attrs):
        content = STANDARD_CONTENT[attrs["kind"]](data=attrs["content"])
        if not content.is_valid():
            raise serializers.ValidationError({"content": content.errors})
        attrs["content"] = dict(content.validated_data)
        return attrs


class StandardAppliedPayload(serializers.Serializer):
    """Province → HQ: the version of one kind in force, and the last failure if any."""

    kind = serializers.ChoiceField(choices=STANDARD_KINDS)
    version = serializers.IntegerField(min_value=0)  # 0: none applied yet
    applied_at = JsonDateTimeField(allow_null=True)
    failed_version = serializers.IntegerField(min_value=0, required=False, default=0)
    error = serializers.CharField(allow_blank=True, required=False, default="")
    # Provincial extensions in force over the national version (service SLAs: values the
    # province set stricter than HQ's); 0 for kinds without extensions.
    local_extensions = serializers.IntegerField(min_value=0, required=False, default=0)


register_topic("standards.release", direction=DOWN, version=1, payload=StandardReleasePayload)
register_topic("standards.applied", direction=UP, version=1, payload=StandardAppliedPayload)


# --- National and cross-province points redemption (R6.5.3; docs/national-redemption.md) --
# A saga routed through HQ: serving province → HQ → home province (which holds the points)
# and back. Every payload carries the request id, the key of every message of one saga.


class NationalItemPayload(serializers.Serializer):
    code = serializers.CharField(max_length=32)
    name_zh = serializers.CharField(max_length=100)
    name_en = serializers.CharField(max_length=100)
    kind = serializers.CharField(max_length=16)
    points_price = serializers.IntegerField(min_value=1)
    unit_cost = serializers.RegexField(_DECIMAL)
    is_active = serializers.BooleanField()


class NationalCatalogPayload(serializers.Serializer):
    """HQ → province: the whole national catalogue of one version (key "catalog")."""

    version = serializers.IntegerField(min_value=1)
    items = NationalItemPayload(many=True)


class NationalRedemptionRequestPayload(serializers.Serializer):
    """Serving province → HQ (request) and HQ → home province (reserve): hold the points."""

    request_id = JsonUUIDField()
    card_number = serializers.CharField(max_length=20)
    serving_province = serializers.CharField(max_length=63)
    home_province = serializers.CharField(max_length=63)
    item = serializers.CharField(max_length=32)
    quantity = serializers.IntegerField(min_value=1)
    points = serializers.IntegerField(min_value=1)
    unit_cost = serializers.RegexField(_DECIMAL)
    catalog_version = serializers.IntegerField(min_value=1)


class NationalRedemptionStepPayload(serializers.Serializer):
    """One step of a saga: commit (serving → HQ), capture/release (HQ → home), the home
    province's outcome (home → HQ) and HQ's reply to the serving province (HQ → serving)."""

    request_id = JsonUUIDField()
    status = serializers.CharField(max_length=16, allow_blank=True, default="")
    reason = serializers.CharField(max_length=64, allow_blank=True, default="")


register_topic("catalog.national", direction=DOWN, version=1, payload=NationalCatalogPayload)
register_topic(
    "redemption.national.request", direction=UP, version=1, payload=NationalRedemptionRequestPayload
)
register_topic(
    "redemption.national.reserve",
    direction=DOWN,
    version=1,
    payload=NationalRedemptionRequestPayload,
)
register_topic(
    "redemption.national.outcome", direction=UP, version=1, payload=NationalRedemptionStepPayload
)
register_topic(
    "redemption.national.reply", direction=DOWN, version=1, payload=NationalRedemptionStepPayload
)
register_topic(
    "redemption.national.commit", direction=UP, version=1, payload=NationalRedemptionStepPayload
)
register_topic(
    "redemption.national.capture", direction=DOWN, version=1, payload=NationalRedemptionStepPayload
)
register_topic(
    "redemption.national.release", direction=DOWN, version=1, payload=NationalRedemptionStepPayload
)


class SettlementLinePayload(serializers.Serializer):
    home_province = serializers.CharField(max_length=63)
    serving_province = serializers.CharField(max_length=63)
    amount = serializers.RegexField(_DECIMAL)
    redemptions = serializers.IntegerField(min_value=0)
    points = serializers.IntegerField(min_value=0)


class NationalSettlementPayload(serializers.Serializer):
    """HQ → province (R2.4.9): the month's settlement lines in which the province owes or is
    owed (key = the month, YYYY-MM); sent whole whenever a redemption of the month commits,
    so the newest version replaces the province's copy."""

    month = serializers.RegexField(_MONTH)
    produced_at = JsonDateTimeField()
    lines = SettlementLinePayload(many=True)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        value["lines"] = [dict(line) for line in value["lines"]]
        return value


register_topic(
    "redemption.settlement", direction=DOWN, version=1, payload=NationalSettlementPayload
)
