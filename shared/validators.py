"""Validators for Chinese identifiers held on customer records (requirement R2.1.1).

* Unified social credit code (统一社会信用代码) of organisations, GB 32100-2015.
* Resident identity card number (居民身份证号码) of individuals, GB 11643-1999.
* Mainland mobile phone numbers (11 digits, ``1[3-9]`` prefix).

Each identifier has a ``validate_*`` function usable as a Django field validator (raises
``ValidationError`` with a specific ``code``), an ``is_valid_*`` boolean helper and a
``normalize_*`` function. Validators are deliberately strict: they never rewrite the value,
so forms and importers must normalise first (upper-casing, stripping spaces and prefixes).

Error codes: ``<kind>_length``, ``<kind>_lowercase``, ``<kind>_charset``, ``<kind>_region``,
``<kind>_checksum``, ``resident_id_birth_date``, ``mobile_prefix`` and ``invalid_type``,
where ``<kind>`` is ``uscc``, ``resident_id`` or ``mobile``. Checksum messages do not
reveal the expected check character.
"""

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_DIGITS = frozenset("0123456789")
# China has a single time zone without daylight saving time; birth dates are judged
# against the Chinese calendar day, independently of the server's time zone.
_CHINA_TZ = timezone(timedelta(hours=8))

# GB 32100-2015: 31-character alphabet (no I, O, Z, S, V) and weights 3**i mod 31.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUES = {char: index for index, char in enumerate(USCC_CHARSET)}

# GB 11643-1999 (ISO 7064 MOD 11-2): weights 2**(17-i) mod 11, check char by remainder.
RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK_CHARS = "10X98765432"
# Province-level codes of mainland China (GB/T 2260). Taiwan (71) and the residence-permit
# prefixes for Hong Kong, Macao and Taiwan residents (81, 82, 83) are not accepted.
# fmt: off
MAINLAND_PROVINCE_CODES = frozenset({
    "11", "12", "13", "14", "15",              # North
    "21", "22", "23",                          # Northeast
    "31", "32", "33", "34", "35", "36", "37",  # East
    "41", "42", "43", "44", "45", "46",        # Central and South
    "50", "51", "52", "53", "54",              # Southwest
    "61", "62", "63", "64", "65",              # Northwest
})
# fmt: on
_EARLIEST_BIRTH_DATE = date(1900, 1, 1)

_MOBILE_RE = re.compile(r"1[3-9]\d{9}", re.ASCII)


def _compact(value: str) -> str:
    """Fold full-width characters to ASCII (NFKC) and drop all whitespace."""
    return "".join(unicodedata.normalize("NFKC", value).split())


def _is_valid(validator: Callable[[str], None], value: object) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


def _require_str(value: object) -> None:
    if not isinstance(value, str):
        raise ValidationError(_("Enter a text value."), code="invalid_type")


# --- Unified social credit code (GB 32100-2015) ---------------------------------------------


def normalize_uscc(value: str) -> str:
    """Strip whitespace, fold full-width characters and upper-case a credit code."""
    if not isinstance(value, str):
        return value
    return _compact(value).upper()


def uscc_check_char(first17: str) -> str:
    """Check character for the first 17 characters of a credit code (assumed well-formed)."""
    total = sum(
        _USCC_VALUES[char] * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True)
    )
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    """Validate a unified social credit code; the value must already be normalised."""
    _require_str(value)
    if len(value) != 18:
        raise ValidationError(
            _(
                "A unified social credit code must be exactly 18 characters long "
                "(%(length)d given)."
            ),
            code="uscc_length",
            params={"length": len(value)},
        )
    if any(char.islower() for char in value):
        raise ValidationError(
            _("Letters in a unified social credit code must be upper-case."),
            code="uscc_lowercase",
        )
    if any(char not in _USCC_VALUES for char in value):
        raise ValidationError(
            _(
                "A unified social credit code may contain only digits and upper-case letters "
                "other than I, O, S, V and Z."
            ),
            code="uscc_charset",
        )
    if any(char not in _DIGITS for char in value[2:8]):
        raise ValidationError(
            _(
                "Characters 3 to 8 of a unified social credit code must be a numeric "
                "administrative division code."
            ),
            code="uscc_region",
        )
    if uscc_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("The check character of the unified social credit code does not match."),
            code="uscc_checksum",
        )


def is_valid_uscc(value: object) -> bool:
    """Return whether ``value`` is a valid, normalised unified social credit code."""
    return _is_valid(validate_uscc, value)


# --- Resident identity card number (GB 11643-1999) ------------------------------------------


def normalize_resident_id(value: str) -> str:
    """Strip whitespace, fold full-width characters and upper-case a resident ID number."""
    if not isinstance(value, str):
        return value
    return _compact(value).upper()


def resident_id_check_char(first17: str) -> str:
    """Check character for the first 17 digits of a resident ID number."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first17, RESIDENT_ID_WEIGHTS, strict=True)
    )
    return RESIDENT_ID_CHECK_CHARS[total % 11]


def _birth_date(value: str) -> date | None:
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def validate_resident_id(value: str, *, today: date | None = None) -> None:
    """Validate an 18-character resident ID number; the value must already be normalised.

    ``today`` defaults to the current date in China and exists for tests.
    """
    _require_str(value)
    if len(value) != 18:
        raise ValidationError(
            _("A resident ID number must be exactly 18 characters long (%(length)d given)."),
            code="resident_id_length",
            params={"length": len(value)},
        )
    if value[17] == "x":
        raise ValidationError(
            _("The check character X of a resident ID number must be upper-case."),
            code="resident_id_lowercase",
        )
    if any(char not in _DIGITS for char in value[:17]) or value[17] not in "0123456789X":
        raise ValidationError(
            _("A resident ID number must be 17 digits followed by a digit or the letter X."),
            code="resident_id_charset",
        )
    if value[:2] not in MAINLAND_PROVINCE_CODES:
        raise ValidationError(
            _("The resident ID number does not start with a known mainland region code."),
            code="resident_id_region",
        )
    birth = _birth_date(value)
    today = today or datetime.now(_CHINA_TZ).date()
    if birth is None or not _EARLIEST_BIRTH_DATE <= birth <= today:
        raise ValidationError(
            _("The resident ID number does not contain a valid date of birth."),
            code="resident_id_birth_date",
        )
    if resident_id_check_char(value[:17]) != value[17]:
        raise ValidationError(
            _("The check digit of the resident ID number does not match."),
            code="resident_id_checksum",
        )


def is_valid_resident_id(value: object, *, today: date | None = None) -> bool:
    """Return whether ``value`` is a valid, normalised resident ID number."""
    return _is_valid(lambda candidate: validate_resident_id(candidate, today=today), value)


# --- Mainland mobile phone number ------------------------------------------------------------


def normalize_mobile(value: str) -> str:
    """Strip whitespace, dashes and a ``+86``/``0086``/``86`` country prefix from a number.

    A bare ``86`` is removed only from 13-digit input, so no 11-digit number is shortened.
    """
    if not isinstance(value, str):
        return value
    compact = _compact(value).replace("-", "")
    for prefix in ("+86", "0086"):
        if compact.startswith(prefix):
            return compact[len(prefix) :]
    if len(compact) == 13 and compact.startswith("86"):
        return compact[2:]
    return compact


def validate_mainland_mobile(value: str) -> None:
    """Validate an 11-digit mainland mobile number; the value must already be normalised."""
    _require_str(value)
    if any(char not in _DIGITS for char in value):
        raise ValidationError(
            _("A mobile phone number may contain only digits."),
            code="mobile_charset",
        )
    if len(value) != 11:
        raise ValidationError(
            _("A mobile phone number must be exactly 11 digits long (%(length)d given)."),
            code="mobile_length",
            params={"length": len(value)},
        )
    if not _MOBILE_RE.fullmatch(value):
        raise ValidationError(
            _("A mainland mobile phone number must start with 13 to 19."),
            code="mobile_prefix",
        )


def is_valid_mainland_mobile(value: object) -> bool:
    """Return whether ``value`` is a valid, normalised 11-digit mainland mobile number."""
    return _is_valid(validate_mainland_mobile, value)
