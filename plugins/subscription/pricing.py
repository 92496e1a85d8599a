"""« Vos solutions »: every formula of a product priced for a household, the one recommended for
the needs expressed, and the options' prices. The arithmetic is :func:`rules.price`'s and the
recommendation :func:`rules.recommended_formula`'s (one rule, one place): this module only
gathers them for a page, a quote or a document.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from plugins.subscription import rules
from plugins.subscription.i18n import _
from plugins.subscription.products import Formula, Product


@dataclass(frozen=True)
class Offer:
    """One formula for a household: its ``price`` (None when the household cannot take the
    product: ``refusal`` then says why, translated), and whether it is the one recommended."""

    formula: Formula
    price: rules.Price | None
    refusal: str | None
    recommended: bool

    @property
    def monthly(self) -> int | None:
        return None if self.price is None else self.price.monthly

    @property
    def annual(self) -> int | None:
        return None if self.price is None else self.price.annual


def offers(
    product: Product,
    household: rules.Household,
    needs: dict[str, str] | None = None,
    options: Iterable[str] = (),
) -> list[Offer]:
    """Each formula of ``product`` (cheapest first) priced for ``household`` with ``options``;
    ``recommended`` marks :func:`rules.recommended_formula`'s choice for ``needs`` (need → level
    name); no formula is marked when ``needs`` is None."""
    chosen = tuple(options)
    recommended = None if needs is None else rules.recommended_formula(product, needs).code
    result = []
    for formula in product.formulas:
        try:
            price, refusal = rules.price(product, formula, household, chosen), None
        except rules.NotInsurable as refused:
            price, refusal = None, _(refused.message, **refused.values)
        result.append(Offer(formula, price, refusal, formula.code == recommended))
    return result


def option_prices(product: Product, household: rules.Household) -> dict[str, int]:
    """The monthly cents each option of ``product`` adds for ``household`` (its adults and its
    charged children); empty when the household cannot take the product."""
    codes = [option.code for option in product.options]
    try:
        price = rules.price(product, product.formulas[0], household, codes)
    except rules.NotInsurable:
        return {}
    return {line.code: line.cents for line in price.options}
