"""VAT arithmetic of billing documents, in integer cents.

Prices are set incl. VAT. Rounding rule, per line: the amount excl. VAT is
``TTC × 10000 / (10000 + rate_bp)`` rounded to the nearest cent (halves up), and the VAT is
``TTC − HT``. Totals per rate are sums of lines, so they add up exactly to what was debited.
"""

from __future__ import annotations

from collections.abc import Iterable


def split_vat(amount_cents: int, vat_rate_bp: int) -> tuple[int, int]:
    """``(base excl. VAT, VAT)`` of an amount incl. VAT, e.g. ``378`` at 20 % → ``(315, 63)``."""
    denominator = 10000 + vat_rate_bp
    base = (2 * amount_cents * 10000 + denominator) // (2 * denominator)  # round half up
    return base, amount_cents - base


def vat_breakdown(lines: Iterable[tuple[int, int]]) -> dict[str, dict[str, int]]:
    """``{"2000": {"base": …, "vat": …, "total": …}}`` from ``(amount incl. VAT, rate_bp)``."""
    totals: dict[str, dict[str, int]] = {}
    for amount, rate in lines:
        base, vat = split_vat(amount, rate)
        row = totals.setdefault(str(rate), {"base": 0, "vat": 0, "total": 0})
        row["base"] += base
        row["vat"] += vat
        row["total"] += amount
    return dict(sorted(totals.items(), key=lambda item: int(item[0])))


def rate_label(vat_rate_bp: int | str) -> str:
    """``2000`` → ``20 %``, ``550`` → ``5,5 %``."""
    value = int(vat_rate_bp) / 100
    text = f"{value:g}".replace(".", ",")
    return f"{text} %"
