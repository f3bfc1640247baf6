"""Fast payload checks: the common cases of a topic's DRF serializer as plain Python.

A full snapshot validates tens of thousands of payloads at the sender and again at the
receiver; DRF spends about 50 µs on a nine-field payload, more than every other step of a
set-based delivery together. ``fast_validate`` compiles a serializer class once into
checks for the field types payloads use (text, regex, integer, boolean, choice, ISO
date-as-text, lists and nested serializers) and runs them.

It only ever *accepts*: for any value it is not sure about (wrong type, blank, too long,
missing key, null, a serializer with its own ``validate``…) it returns ``None`` and the
caller runs the serializer, so errors, coercions and edge cases stay exactly DRF's. A
serializer using anything it does not know is never compiled (always DRF).
"""

import re
from collections.abc import Callable
from datetime import date

from django.core import validators as django_validators
from rest_framework import fields as drf_fields
from rest_framework import serializers
from rest_framework.settings import ISO_8601, api_settings

REJECT = object()  # a check's answer for "not sure: let DRF decide"
_SURROGATE = re.compile("[\ud800-\udfff]")
_TEXT_VALIDATORS = (
    django_validators.MaxLengthValidator,
    django_validators.MinLengthValidator,
    django_validators.ProhibitNullCharactersValidator,
    drf_fields.ProhibitSurrogateCharactersValidator,
)

Check = Callable[[object], object]
_compiled: dict[type, Check | None] = {}


def fast_validate(serializer_class: type[serializers.Serializer], payload) -> dict | None:
    """The validated payload, or ``None`` when the serializer must decide."""
    if serializer_class not in _compiled:
        _compiled[serializer_class] = _compile_serializer(serializer_class())
    check = _compiled[serializer_class]
    if check is None:
        return None
    result = check(payload)
    return None if result is REJECT else result


def _compile_serializer(serializer: serializers.Serializer) -> Check | None:
    cls = type(serializer)
    overridden = any(
        getattr(cls, name) is not getattr(serializers.Serializer, name)
        for name in ("validate", "to_internal_value", "run_validation", "validate_empty_values")
    )
    if overridden or serializer.validators:
        return None
    checks = []
    for name, field in serializer.fields.items():
        if field.read_only or field.source != name or hasattr(cls, f"validate_{name}"):
            return None
        check = _compile_field(field)
        if check is None:
            return None
        checks.append((name, check))

    def check_object(data):
        if type(data) is not dict:
            return REJECT
        out = {}
        for name, check in checks:
            if name not in data:
                return REJECT  # required error, or a default: DRF's business
            value = check(data[name])
            if value is REJECT:
                return REJECT
            out[name] = value
        return out

    return check_object


def _compile_field(field) -> Check | None:
    check = _compile_value(field)
    if check is None or not field.allow_null:
        return check
    # DRF: a null where nulls are allowed is None, without running any validator.
    return lambda value: None if value is None else check(value)


def _compile_value(field) -> Check | None:  # noqa: C901 (one branch per field type)
    from sync.registry import JsonDateField

    kind = type(field)
    if field.validators and kind not in (
        serializers.CharField,
        serializers.RegexField,
        serializers.IntegerField,
        serializers.ListField,  # its length validators are checked below
    ):
        return None
    if kind in (serializers.CharField, serializers.RegexField):
        return _text_check(field)
    if kind is serializers.IntegerField:
        return _integer_check(field)
    if kind is serializers.BooleanField:
        return lambda value: value if type(value) is bool else REJECT
    if kind is serializers.ChoiceField:
        choices = field.choice_strings_to_values
        return lambda value: (
            choices[value] if type(value) is str and value and value in choices else REJECT
        )
    if kind is JsonDateField:
        if getattr(field, "format", api_settings.DATE_FORMAT) != ISO_8601:
            return None
        if getattr(field, "input_formats", api_settings.DATE_INPUT_FORMATS) != [ISO_8601]:
            return None
        return _iso_date_check
    if kind is serializers.ListSerializer:
        child = _compile_serializer(field.child)
        if child is None or field.max_length is not None or field.min_length is not None:
            return None
        return _list_check(child, allow_empty=field.allow_empty)
    if kind is serializers.ListField:
        child = _compile_field(field.child)
        lengths = (django_validators.MaxLengthValidator, django_validators.MinLengthValidator)
        if child is None or field.max_length is not None:
            return None
        if not all(isinstance(v, lengths) for v in field.validators):
            return None
        return _list_check(child, allow_empty=field.allow_empty, min_length=field.min_length)
    if isinstance(field, serializers.Serializer):
        return _compile_serializer(field)
    return None


def _text_check(field) -> Check | None:
    regexes = []
    for validator in field.validators:
        if isinstance(validator, django_validators.RegexValidator) and (
            type(validator) is django_validators.RegexValidator and not validator.inverse_match
        ):
            regexes.append(validator.regex)
        elif not isinstance(validator, _TEXT_VALIDATORS):
            return None
    max_length, min_length = field.max_length, field.min_length
    trim, allow_blank = field.trim_whitespace, field.allow_blank

    def check_text(value):
        if type(value) is not str:
            return REJECT
        text = value.strip() if trim else value
        if not text:
            return "" if allow_blank else REJECT
        if max_length is not None and len(text) > max_length:
            return REJECT
        if min_length is not None and len(text) < min_length:
            return REJECT
        if "\x00" in text or (not text.isascii() and _SURROGATE.search(text)):
            return REJECT
        for regex in regexes:
            if not regex.search(text):
                return REJECT
        return text

    return check_text


def _integer_check(field) -> Check | None:
    for validator in field.validators:
        if not isinstance(
            validator, (django_validators.MinValueValidator, django_validators.MaxValueValidator)
        ):
            return None
    low, high = field.min_value, field.max_value

    def check_integer(value):
        if type(value) is not int:
            return REJECT
        if (low is not None and value < low) or (high is not None and value > high):
            return REJECT
        return value

    return check_integer


def _iso_date_check(value):
    if type(value) is not str:
        return REJECT
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return REJECT
    return value if parsed.isoformat() == value else REJECT


def _list_check(child: Check, *, allow_empty: bool, min_length: int | None = None) -> Check:
    def check_list(value):
        if type(value) is not list or (not value and not allow_empty):
            return REJECT
        if min_length is not None and len(value) < min_length:
            return REJECT
        out = []
        for item in value:
            checked = child(item)
            if checked is REJECT:
                return REJECT
            out.append(checked)
        return out

    return check_list
