"""Deadlines in Chinese working days (工作日) and calendar months.

Statutory holidays and the weekend days that are worked instead (调休) change every year, so the
calendar comes from the `chinese_calendar` package. It only knows the years the State Council has
published; for any other year it raises NotImplementedError, and we fall back to Monday–Friday with a
warning rather than refuse to compute a deadline: a deadline a day or two off is recoverable, a matter
that cannot be accepted is not. The warning tells the operator to upgrade the package.
"""

from __future__ import annotations

import calendar
import logging
from datetime import date, timedelta

import chinese_calendar

logger = logging.getLogger(__name__)


def is_working_day(day: date) -> bool:
    """Whether `day` is a working day in mainland China (Monday–Friday outside the published years)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        logger.warning(
            "chinese_calendar has no data for %s; counting Monday to Friday as working days. "
            "Upgrade the chinese-calendar package to get that year's holidays.",
            day.year,
        )
        return day.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The date `n` working days after `start` (the start day itself is not counted).

    "Within 10 working days of the application" ends on `add_working_days(applied_on, 10)`.
    Raises ValueError for a negative `n`.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def add_months(start: date, months: int) -> date:
    """The same day `months` later, clamped to the end of a shorter month (31 Jan + 1 → 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
