"""Chinese working days: statutory holidays, make-up working days, and the Monday–Friday fallback."""

from __future__ import annotations

import logging
from datetime import date

import chinese_calendar
import pytest

from cases.matters.workdays import add_months, add_working_days, is_working_day


def test_the_national_day_holiday_is_not_counted() -> None:
    for day in range(1, 9):
        assert not is_working_day(date(2025, 10, day))


def test_the_make_up_weekend_days_are_working_days() -> None:
    assert is_working_day(date(2025, 9, 28))  # a Sunday
    assert is_working_day(date(2025, 10, 11))  # a Saturday


def test_ten_working_days_from_the_eve_of_national_day_end_on_21_october() -> None:
    # 9, 10, 11 (make-up Saturday), 13–17, 20, 21 October.
    assert add_working_days(date(2025, 9, 30), 10) == date(2025, 10, 21)


def test_the_make_up_sunday_before_the_holiday_counts() -> None:
    # 28 Sep (make-up Sunday), 29, 30 Sep, then 9, 10, 11, 13, 14, 15, 16 Oct.
    assert add_working_days(date(2025, 9, 26), 10) == date(2025, 10, 16)


def test_the_start_day_is_not_counted_and_zero_days_is_the_start() -> None:
    assert add_working_days(date(2025, 10, 13), 1) == date(2025, 10, 14)
    assert add_working_days(date(2025, 10, 13), 0) == date(2025, 10, 13)


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_working_days(date(2025, 10, 13), -1)


def test_a_year_the_calendar_does_not_know_falls_back_to_monday_to_friday_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def unknown_year(day: date) -> bool:
        raise NotImplementedError(f"no available data for year {day.year}")

    monkeypatch.setattr(chinese_calendar, "is_workday", unknown_year)
    with caplog.at_level(logging.WARNING, logger="cases.matters.workdays"):
        # Friday 1 Oct 2049 + 10 weekdays; National Day is not known, so it is counted.
        assert add_working_days(date(2049, 10, 1), 10) == date(2049, 10, 15)
    assert "chinese_calendar has no data for 2049" in caplog.text


def test_the_real_calendar_raises_for_a_far_year_and_the_fallback_applies(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="cases.matters.workdays"):
        assert add_working_days(date(2099, 1, 2), 1) == date(2099, 1, 5)  # Friday → Monday
    assert "Monday to Friday" in caplog.text


def test_a_month_later_is_clamped_to_the_end_of_a_shorter_month() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 12, 15), 1) == date(2026, 1, 15)
