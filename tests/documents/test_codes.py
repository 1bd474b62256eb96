from __future__ import annotations

import re

from project.documents.codes import ALPHABET, new_verification_code, normalize_verification_code


def test_a_new_code_is_ten_crockford_symbols_grouped_four_four_two() -> None:
    code = new_verification_code()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}", code)
    assert not set(code.replace("-", "")) - set(ALPHABET)


def test_codes_do_not_repeat() -> None:
    assert len({new_verification_code() for _ in range(2000)}) == 2000


def test_a_typed_code_forgives_case_spaces_dashes_and_look_alikes() -> None:
    assert normalize_verification_code("7kq2 9xjd m4") == "7KQ2-9XJD-M4"
    assert normalize_verification_code("7KQ2-9XJD-M4") == "7KQ2-9XJD-M4"
    assert normalize_verification_code("OIL2-9XJD-M4") == "0112-9XJD-M4"


def test_something_that_cannot_be_a_code_normalizes_to_none() -> None:
    assert normalize_verification_code("7KQ2-9XJD") is None
    assert normalize_verification_code("7KQ2-9XJD-M4U") is None
    assert normalize_verification_code("UUUU-UUUU-UU") is None
    assert normalize_verification_code("") is None
