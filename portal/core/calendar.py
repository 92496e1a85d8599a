"""French business days: Monday to Friday, not a French public holiday (the ``holidays``
library's metropolitan calendar). One calendar for every rule that counts working days — the
paper mail's hand-over day and the sandbox printer's pick-ups and rounds."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[date]:
    """The French (metropolitan) public holidays of ``year``."""
    import holidays

    return frozenset(holidays.country_holidays("FR", years=year).keys())


def is_business_day(day: date) -> bool:
    """Monday–Friday and not a public holiday."""
    return day.weekday() < 5 and day not in public_holidays(day.year)


def next_business_day(day: date) -> date:
    """The first business day strictly after ``day``."""
    day += timedelta(days=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def business_day_on_or_after(day: date) -> date:
    """``day`` itself when it is a business day, else the next one."""
    return day if is_business_day(day) else next_business_day(day)


def add_business_days(day: date, count: int) -> date:
    """The business day ``count`` business days after ``day`` (``count`` ≥ 0)."""
    for _ in range(count):
        day = next_business_day(day)
    return day
