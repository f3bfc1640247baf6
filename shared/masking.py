"""Masking of personal data shown on screen and written to exports (requirement R2.1.2).

Every masker keeps a fixed window at the start and the end of the value and replaces each
character in between with the mask character, so the masked value keeps its length.
``None`` and the empty string are returned unchanged.

Short-value rule: the requested window is used only while it hides at least half as many
characters as it shows, i.e. it shows at most two thirds of the value. That holds for every
well-formed value of the fixed-length formats below (a mobile number shows 7 of 11). A value
too short for its window is treated as malformed and falls back to the strict rule that it
never shows more characters than it hides: at most ``len(value) // 2`` characters stay
visible, taken from the start first and then from the end. For example
``mask_middle("abc", 3, 4) == "a**"`` and a one-character value becomes a single mask
character.
"""

MASK_CHAR = "*"


def mask_middle(
    value: str | None, keep_start: int, keep_end: int, char: str = MASK_CHAR
) -> str | None:
    """Keep ``keep_start`` leading and ``keep_end`` trailing characters and mask the rest."""
    if keep_start < 0 or keep_end < 0:
        raise ValueError("keep_start and keep_end must not be negative")
    if not value:
        return value
    length = len(value)
    if 2 * (length - keep_start - keep_end) < keep_start + keep_end:
        visible = length // 2
        keep_start = min(keep_start, visible)
        keep_end = min(keep_end, visible - keep_start)
    hidden = length - keep_start - keep_end
    return value[:keep_start] + char * hidden + value[length - keep_end :]


def mask_mobile(value: str | None, char: str = MASK_CHAR) -> str | None:
    """Mask a normalised mobile number: ``13812345678`` -> ``138****5678``."""
    return mask_middle(value, 3, 4, char)


def mask_resident_id(value: str | None, char: str = MASK_CHAR) -> str | None:
    """Mask a resident ID number, keeping the region code (6) and the last 4 characters."""
    return mask_middle(value, 6, 4, char)


def mask_uscc(value: str | None, char: str = MASK_CHAR) -> str | None:
    """Mask characters 9 to 16 of a unified social credit code (the organisation code body).

    Organisation codes are public registration data, not personal data; this exists for
    screens that show them next to masked personal data.
    """
    return mask_middle(value, 8, 2, char)


def mask_name(value: str | None, char: str = MASK_CHAR) -> str | None:
    """Keep the first character of a name: ``张三丰`` -> ``张**``; one character is fully masked."""
    return mask_middle(value, 1, 0, char)


def mask_email(value: str | None, char: str = MASK_CHAR) -> str | None:
    """Mask the local part of an address: ``zhang.san@example.com`` -> ``z***@example.com``.

    The local part becomes its first character plus three mask characters, hiding its length;
    a one-character local part is replaced entirely. The domain stays visible. A value
    without ``@`` is masked like a name.
    """
    if not value:
        return value
    local, at, domain = value.rpartition("@")
    if not at:
        return mask_name(value, char)
    first = local[:1] if len(local) > 1 else ""
    return f"{first}{char * 3}@{domain}"
