"""Tests for masking personal data on screen and in exports, requirement R2.1.2 (no database)."""

import pytest

from shared.masking import (
    mask_email,
    mask_middle,
    mask_mobile,
    mask_name,
    mask_resident_id,
    mask_uscc,
)

ALL_MASKERS = [mask_mobile, mask_resident_id, mask_uscc, mask_name, mask_email]


def test_r2_1_2_mask_mobile():
    assert mask_mobile("13812345678") == "138****5678"


def test_r2_1_2_mask_resident_id_keeps_region_and_last_four():
    assert mask_resident_id("11010519491231002X") == "110105********002X"


def test_r2_1_2_mask_uscc_hides_characters_9_to_16():
    assert mask_uscc("91350100M000100Y43") == "91350100********43"


@pytest.mark.parametrize(
    ("name", "masked"), [("张三丰", "张**"), ("张三", "张*"), ("张", "*"), ("欧阳修文", "欧***")]
)
def test_r2_1_2_mask_name_keeps_first_character(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("zhang.san@example.com", "z***@example.com"),
        ("ab@example.com", "a***@example.com"),
        ("a@example.com", "***@example.com"),
        ("x@y@example.com", "x***@example.com"),
    ],
)
def test_r2_1_2_mask_email_hides_local_part_and_its_length(email, masked):
    assert mask_email(email) == masked


def test_r2_1_2_mask_email_without_at_sign_is_masked_like_a_name():
    assert mask_email("zhangsan") == "z*******"


@pytest.mark.parametrize("masker", ALL_MASKERS)
@pytest.mark.parametrize("value", [None, ""])
def test_r2_1_2_empty_values_returned_unchanged(masker, value):
    assert masker(value) is value


def test_r2_1_2_custom_mask_character():
    assert mask_mobile("13812345678", char="#") == "138####5678"
    assert mask_middle("abcdefgh", 2, 2, char="•") == "ab••••gh"


@pytest.mark.parametrize(
    ("value", "keep_start", "keep_end", "masked"),
    [
        ("abcdefghij", 2, 3, "ab*****hij"),
        ("abcdef", 0, 0, "******"),
        ("abcdef", 2, 0, "ab****"),
        ("abcdef", 0, 2, "****ef"),
    ],
)
def test_r2_1_2_mask_middle_window(value, keep_start, keep_end, masked):
    assert mask_middle(value, keep_start, keep_end) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("a", "*"),
        ("ab", "a*"),
        ("abc", "a**"),
        ("abcd", "ab**"),
        ("1381234", "138****"),
        ("13812345", "138****5"),
        ("1381234567", "138*****67"),
    ],
)
def test_r2_1_2_short_values_never_show_more_than_they_hide(value, masked):
    result = mask_middle(value, 3, 4)
    assert result == masked
    hidden = result.count("*")
    assert len(result) == len(value)
    assert len(value) - hidden <= hidden


@pytest.mark.parametrize("length", range(1, 40))
@pytest.mark.parametrize(("keep_start", "keep_end"), [(3, 4), (6, 4), (8, 2), (1, 0), (0, 5)])
def test_r2_1_2_mask_never_shows_more_than_two_thirds(length, keep_start, keep_end):
    value = "".join(str(i % 10) for i in range(length))
    result = mask_middle(value, keep_start, keep_end, char="*")
    shown = sum(1 for char in result if char != "*")
    assert len(result) == length
    assert 3 * shown <= 2 * length
    # Visible characters sit at their original positions.
    assert all(char in ("*", original) for char, original in zip(result, value, strict=True))


def test_r2_1_2_mask_middle_rejects_negative_window():
    with pytest.raises(ValueError):
        mask_middle("abc", -1, 0)
