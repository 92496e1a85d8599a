from portal.core.pricing import price_list
from portal.core.tenants import tenant_directory


def test_price_list_holds_the_enabled_plugins_items_with_spec_defaults(app):
    with app.test_request_context(base_url="http://resilimo.localhost"):
        prices = price_list(tenant_directory().by_slug("resilimo"))
        assert prices["resiliation.lrar"].price_cents == 378
        assert prices["resiliation.lr"].price_cents == 297
        # SPEC: « lettre verte 1 feuille 1,14 € » = a colour sheet, a DL envelope, 20 g postage.
        lettre_verte = ("sheet_colour", "envelope_small", "postage_lettre_verte_20")
        assert sum(prices[f"paper_mail.{code}"].price_cents for code in lettre_verte) == 114
        assert all(isinstance(item.price_cents, int) for item in prices.values())
        assert not any(
            code.startswith("resiliation.")
            for code in price_list(tenant_directory().by_slug("msr"))
        )


def test_a_tenant_overrides_a_price(app):
    with app.test_request_context(base_url="http://resilimo.localhost"):
        tenant = tenant_directory().by_slug("resilimo")
        custom = tenant.config.model_copy(update={"prices": {"resiliation.lr": 250}})
        from dataclasses import replace

        prices = price_list(replace(tenant, config=custom))
        assert prices["resiliation.lr"].price_cents == 250
        assert prices["resiliation.lrar"].price_cents == 378
