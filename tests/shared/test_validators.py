"""Tests for the identifier validators of requirement R2.1.1 (no database needed).

Valid examples are publicly circulated sample codes whose check characters were recomputed
with the independent formulations below (weights as powers of 3 mod 31 for GB 32100, ISO 7064
MOD 11-2 for GB 11643) rather than with the code under test.
"""

import os
from datetime import date

import django
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from shared.validators import (
    is_valid_mainland_mobile,
    is_valid_resident_id,
    is_valid_uscc,
    normalize_mobile,
    normalize_resident_id,
    normalize_uscc,
    validate_mainland_mobile,
    validate_resident_id,
    validate_uscc,
)

if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
    settings.configure(USE_I18N=True)
    django.setup()

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

VALID_USCCS = [
    "91350100M000100Y43",  # widely published sample code
    "91440300708461136T",
    "91110108551385082Q",
    "91110000100006485K",
]
VALID_RESIDENT_IDS = [
    "11010519491231002X",  # example from GB 11643-1999
    "110101199003074477",
    "11010119900307803X",
]
# GB 11643-1999's second example: correct check digit, but born in 1880, before the
# earliest birth date (1900-01-01) the CRM accepts.
GB11643_PRE_1900_EXAMPLE = "440524188001010014"


def uscc_with_check(first17: str) -> str:
    """Append the GB 32100 check character, computed with weights 3**i mod 31."""
    total = sum(USCC_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return first17 + USCC_ALPHABET[-total % 31]


def resident_id_with_check(first17: str) -> str:
    """Append the check character that makes the ISO 7064 MOD 11-2 checksum equal 1."""
    for check in "0123456789X":
        values = [int(c) for c in first17] + [10 if check == "X" else int(check)]
        if sum(v * pow(2, 17 - i, 11) for i, v in enumerate(values)) % 11 == 1:
            return first17 + check
    raise AssertionError("unreachable")


def error_code(validator, value) -> str:
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    return excinfo.value.code


def error_message(validator, value) -> str:
    with pytest.raises(ValidationError) as excinfo:
        validator(value)
    return excinfo.value.messages[0]


def test_r2_1_1_examples_match_independent_check_computation():
    for code in VALID_USCCS:
        assert uscc_with_check(code[:17]) == code
    for number in [*VALID_RESIDENT_IDS, GB11643_PRE_1900_EXAMPLE]:
        assert resident_id_with_check(number[:17]) == number


# --- Unified social credit code --------------------------------------------------------------


@pytest.mark.parametrize("code", VALID_USCCS)
def test_r2_1_1_uscc_valid(code):
    validate_uscc(code)
    assert is_valid_uscc(code)


@pytest.mark.parametrize("code", VALID_USCCS)
def test_r2_1_1_uscc_check_digit_rejected(code):
    wrong = USCC_ALPHABET[(USCC_ALPHABET.index(code[17]) + 1) % 31]
    assert error_code(validate_uscc, code[:17] + wrong) == "uscc_checksum"
    assert not is_valid_uscc(code[:17] + wrong)


def test_r2_1_1_uscc_every_check_character_accepted():
    # The weight of the 17th character is coprime with 31, so varying it yields every check
    # character, including "0" (weighted sum divisible by 31).
    codes = [uscc_with_check("91350100M000100Y" + char) for char in USCC_ALPHABET]
    assert {code[17] for code in codes} == set(USCC_ALPHABET)
    for code in codes:
        validate_uscc(code)


@pytest.mark.parametrize("code", VALID_USCCS)
@pytest.mark.parametrize("length", [0, 17, 19])
def test_r2_1_1_uscc_wrong_length_rejected(code, length):
    value = (code + "0")[:length]
    assert error_code(validate_uscc, value) == "uscc_length"
    assert not is_valid_uscc(value)


@pytest.mark.parametrize("code", VALID_USCCS)
@pytest.mark.parametrize("letter", list("IOZSV") + ["-", "?"])
def test_r2_1_1_uscc_illegal_character_rejected(code, letter):
    value = code[:10] + letter + code[11:]
    assert error_code(validate_uscc, value) == "uscc_charset"
    assert not is_valid_uscc(value)


@pytest.mark.parametrize("code", VALID_USCCS)
def test_r2_1_1_uscc_lowercase_rejected_but_normalised(code):
    lower = code.lower()
    if lower != code:
        assert error_code(validate_uscc, lower) == "uscc_lowercase"
    spaced = f"  {lower[:6]} {lower[6:12]}\u3000{lower[12:]} "
    assert normalize_uscc(spaced) == code
    assert is_valid_uscc(normalize_uscc(spaced))


def test_r2_1_1_uscc_normalize_folds_full_width_characters():
    assert normalize_uscc("９１３５０１００ｍ０００１００ｙ４３") == "91350100M000100Y43"


def test_r2_1_1_uscc_region_code_must_be_digits():
    value = uscc_with_check("9135A100M000100Y4")
    assert error_code(validate_uscc, value) == "uscc_region"


@pytest.mark.parametrize("authority", ["1", "5", "9", "Y", "A"])
def test_r2_1_1_uscc_any_registration_authority_code_accepted(authority):
    assert is_valid_uscc(uscc_with_check(authority + "1350100M000100Y4"))


@pytest.mark.parametrize("value", [None, 91350100, b"91350100M000100Y43"])
def test_r2_1_1_uscc_non_string_rejected(value):
    assert error_code(validate_uscc, value) == "invalid_type"
    assert not is_valid_uscc(value)


def test_r2_1_1_uscc_messages_are_specific_and_hide_check_character():
    code = VALID_USCCS[0]
    messages = {
        error_message(validate_uscc, code[:17]),
        error_message(validate_uscc, code.lower()),
        error_message(validate_uscc, code[:10] + "I" + code[11:]),
        error_message(validate_uscc, uscc_with_check("9135A100M000100Y4")),
        error_message(validate_uscc, code[:17] + "4"),
    }
    assert len(messages) == 5
    checksum_messages = {
        error_message(validate_uscc, valid[:17] + ("0" if valid[17] != "0" else "1"))
        for valid in VALID_USCCS
    }
    assert len(checksum_messages) == 1


# --- Resident identity card number -----------------------------------------------------------


@pytest.mark.parametrize("number", VALID_RESIDENT_IDS)
def test_r2_1_1_resident_id_valid(number):
    validate_resident_id(number)
    assert is_valid_resident_id(number)


@pytest.mark.parametrize("number", VALID_RESIDENT_IDS)
def test_r2_1_1_resident_id_check_digit_rejected(number):
    for wrong in "0123456789X":
        if wrong != number[17]:
            assert error_code(validate_resident_id, number[:17] + wrong) == "resident_id_checksum"
            assert not is_valid_resident_id(number[:17] + wrong)


def test_r2_1_1_resident_id_every_check_character_accepted():
    numbers = [resident_id_with_check(f"11010519491231{seq:03d}") for seq in range(30)]
    assert {number[17] for number in numbers} == set("0123456789X")
    for number in numbers:
        validate_resident_id(number)


@pytest.mark.parametrize("number", VALID_RESIDENT_IDS)
def test_r2_1_1_resident_id_wrong_length_rejected(number):
    legacy_15_digit = number[:6] + number[8:17]
    for value in ["", number[:17], number + "0", legacy_15_digit]:
        assert error_code(validate_resident_id, value) == "resident_id_length"
        assert not is_valid_resident_id(value)


def test_r2_1_1_resident_id_lowercase_x_rejected_but_normalised():
    assert error_code(validate_resident_id, "11010519491231002x") == "resident_id_lowercase"
    assert normalize_resident_id(" 110105 19491231 002x ") == "11010519491231002X"
    assert is_valid_resident_id(normalize_resident_id("11010519491231002x"))


@pytest.mark.parametrize(
    "value",
    [
        "1101051949123100XX",
        "11010519491231A02X",
        "11010519491231002Y",
        "１１０１０５１９４９１２３１００２X",
    ],
)
def test_r2_1_1_resident_id_illegal_character_rejected(value):
    assert error_code(validate_resident_id, value) == "resident_id_charset"


@pytest.mark.parametrize("birth", ["19490230", "19491301", "19490000", "20230229"])
def test_r2_1_1_resident_id_impossible_birth_date_rejected(birth):
    value = resident_id_with_check("110105" + birth + "002")
    assert error_code(validate_resident_id, value) == "resident_id_birth_date"


def test_r2_1_1_resident_id_leap_day_accepted():
    assert is_valid_resident_id(resident_id_with_check("110105" + "20000229" + "002"))


def test_r2_1_1_resident_id_future_birth_date_rejected():
    value = resident_id_with_check("110105" + "29990101" + "002")
    assert error_code(validate_resident_id, value) == "resident_id_birth_date"
    born = resident_id_with_check("110105" + "20240302" + "002")
    assert is_valid_resident_id(born, today=date(2024, 3, 2))
    assert not is_valid_resident_id(born, today=date(2024, 3, 1))


def test_r2_1_1_resident_id_birth_before_1900_rejected():
    assert error_code(validate_resident_id, GB11643_PRE_1900_EXAMPLE) == "resident_id_birth_date"
    value = resident_id_with_check("110105" + "18991231" + "002")
    assert error_code(validate_resident_id, value) == "resident_id_birth_date"
    assert is_valid_resident_id(resident_id_with_check("110105" + "19000101" + "002"))


@pytest.mark.parametrize("province", ["99", "00", "10", "71", "81", "82", "83"])
def test_r2_1_1_resident_id_unknown_region_rejected(province):
    value = resident_id_with_check(province + "0105" + "19491231" + "002")
    assert error_code(validate_resident_id, value) == "resident_id_region"
    assert not is_valid_resident_id(value)


@pytest.mark.parametrize("province", ["11", "31", "44", "46", "50", "54", "65"])
def test_r2_1_1_resident_id_mainland_regions_accepted(province):
    assert is_valid_resident_id(resident_id_with_check(province + "0105" + "19491231" + "002"))


def test_r2_1_1_resident_id_messages_are_specific_and_hide_check_digit():
    number = VALID_RESIDENT_IDS[0]
    messages = {
        error_message(validate_resident_id, number[:17]),
        error_message(validate_resident_id, number.lower()),
        error_message(validate_resident_id, "A" + number[1:]),
        error_message(validate_resident_id, resident_id_with_check("99010519491231002")),
        error_message(validate_resident_id, resident_id_with_check("11010519490230002")),
        error_message(validate_resident_id, number[:17] + "0"),
    }
    assert len(messages) == 6
    checksum_messages = {
        error_message(validate_resident_id, valid[:17] + ("0" if valid[17] != "0" else "1"))
        for valid in VALID_RESIDENT_IDS
    }
    assert len(checksum_messages) == 1


# --- Mainland mobile number ------------------------------------------------------------------


@pytest.mark.parametrize("number", ["13812345678", "19912345678", "15000000000"])
def test_r2_1_1_mobile_valid(number):
    validate_mainland_mobile(number)
    assert is_valid_mainland_mobile(number)


@pytest.mark.parametrize(
    "raw",
    [
        "+86 138-1234-5678",
        "8613812345678",
        "0086 13812345678",
        " 138 1234 5678 ",
        "１３８１２３４５６７８",
    ],
)
def test_r2_1_1_mobile_normalised_prefix_and_separators(raw):
    assert normalize_mobile(raw) == "13812345678"
    assert is_valid_mainland_mobile(normalize_mobile(raw))


def test_r2_1_1_mobile_normalize_keeps_eleven_digit_numbers_starting_with_86():
    assert normalize_mobile("86123456789") == "86123456789"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("12812345678", "mobile_prefix"),
        ("10012345678", "mobile_prefix"),
        ("1381234567", "mobile_length"),
        ("138123456789", "mobile_length"),
        ("", "mobile_length"),
        ("1381234567a", "mobile_charset"),
        ("+8613812345678", "mobile_charset"),
        ("138-1234-5678", "mobile_charset"),
        (None, "invalid_type"),
    ],
)
def test_r2_1_1_mobile_invalid_rejected(value, code):
    assert error_code(validate_mainland_mobile, value) == code
    assert not is_valid_mainland_mobile(value)
