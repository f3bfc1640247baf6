"""The fast payload checks (sync/payloads.py) agree with DRF: whatever they accept, DRF
accepts with the same result; whatever DRF refuses, they leave to DRF."""

import pytest
from rest_framework import serializers

from sync.payloads import fast_validate
from sync.registry import JsonDateField, get_topic


class Line(serializers.Serializer):
    code = serializers.CharField(max_length=4)
    amount = serializers.RegexField(r"^-?\d+(\.\d+)?$", allow_null=True)


class Sample(serializers.Serializer):
    name = serializers.CharField(max_length=8)
    note = serializers.CharField(max_length=8, allow_blank=True)
    count = serializers.IntegerField(min_value=0, max_value=99)
    flag = serializers.BooleanField()
    colour = serializers.ChoiceField(choices=["red", "blue"])
    on = JsonDateField()
    tags = serializers.ListField(child=serializers.CharField(max_length=3), min_length=1)
    lines = Line(many=True)


VALID = {
    "name": "abc",
    "note": "",
    "count": 5,
    "flag": True,
    "colour": "red",
    "on": "2026-11-28",
    "tags": ["x"],
    "lines": [{"code": "A1", "amount": "1.50"}, {"code": "B", "amount": None}],
}


def variants():
    yield VALID
    yield {**VALID, "extra": "ignored"}
    for name, values in {
        "name": ["", "  ", " padded ", "toolongname", None, 7, "a\x00b", "汉字", "\ud800x"],
        "note": ["  ", None, "x" * 9],
        "count": ["5", -1, 100, 5.0, True, None],
        "flag": ["true", 1, None],
        "colour": ["green", "", None, 1],
        "on": ["2026-1-2", "2026-02-30", "20261128", None, 20261128],
        "tags": [[], ["toolong"], "x", [" a "], None],
        "lines": [[], [{"code": "A"}], [{"code": "A", "amount": "x"}], {"code": "A"}, None],
    }.items():
        for value in values:
            yield {**VALID, name: value}
        yield {k: v for k, v in VALID.items() if k != name}


@pytest.mark.parametrize("payload", list(variants()), ids=repr)
def test_fast_checks_accept_only_what_drf_accepts_with_the_same_result(payload):
    fast = fast_validate(Sample, payload)
    serializer = Sample(data=payload)
    if serializer.is_valid():
        assert fast is None or fast == serializer.validated_data
    else:
        assert fast is None


def test_the_valid_sample_takes_the_fast_path():
    assert fast_validate(Sample, VALID) is not None


@pytest.mark.parametrize("topic", ["club.member", "club.roster", "indicators.snapshot"])
def test_the_bulk_topics_are_compiled(topic):
    """The topics a full resync sends by the ten thousand must not fall back to DRF."""
    from sync import payloads

    fast_validate(get_topic(topic).payload, {})
    assert payloads._compiled[get_topic(topic).payload] is not None


def test_a_serializer_with_its_own_conversion_is_left_to_drf():
    payload = {"request_id": "0" * 32, "status": "done", "topics": []}
    assert fast_validate(get_topic("sync.resync.progress").payload, payload) is None
