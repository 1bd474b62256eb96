"""Verification codes printed on every page of a document: short, unambiguous, unguessable.

Ten symbols of Crockford's base32 (no I, L, O, U) carry 50 random bits, so that a code read off
paper and typed back can be trusted to name one document and cannot be found by trying codes.
Printed grouped as `7KQ2-9XJD-M4`; typed input forgives case, spaces, dashes and the look-alikes
that Crockford maps (I/L → 1, O → 0).
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 10
GROUPS = (4, 4, 2)
# Longest stored form: the symbols plus one dash between groups.
MAX_LENGTH = LENGTH + len(GROUPS) - 1

_LOOK_ALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})
_IGNORED = str.maketrans("", "", "- \t")


def _group(symbols: str) -> str:
    parts, start = [], 0
    for size in GROUPS:
        parts.append(symbols[start : start + size])
        start += size
    return "-".join(parts)


def new_verification_code() -> str:
    """A fresh random code in its printed form, e.g. `7KQ2-9XJD-M4`."""
    return _group("".join(secrets.choice(ALPHABET) for _ in range(LENGTH)))


def normalize_verification_code(typed: str) -> str | None:
    """The printed form of a code as a person typed it, or None if it cannot be a code."""
    symbols = typed.upper().translate(_IGNORED).translate(_LOOK_ALIKES)
    if len(symbols) != LENGTH or any(symbol not in ALPHABET for symbol in symbols):
        return None
    return _group(symbols)
