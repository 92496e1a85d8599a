"""Dates, amounts, numbers and sizes are formatted by Babel in the page's language, through one
set of functions and filters; the tenants' English is British (« 2 Dec 2026 », not « 12/2/26 »)
while its catalog and ``lang`` stay ``en``."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import render_template_string
from flask_babel import format_date as babel_format_date
from flask_babel import get_locale

from portal.core.i18n import (
    force_locale,
    format_date,
    format_datetime,
    format_filesize,
    format_money,
    format_number,
    locale_for,
)

DAY = date(2026, 12, 2)
# 13:05 UTC is 14:05 in Paris (the demo tenants' time zone) in December.
MOMENT = datetime(2026, 12, 2, 13, 5, tzinfo=UTC)


def plain(text: str) -> str:
    """Babel writes French with no-break spaces (U+00A0, U+202F): compare them as spaces."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.fixture
def request_on(app):
    """``with request_on("horizon"):`` → a request of that tenant's home, tenant resolved."""
    from contextlib import contextmanager

    @contextmanager
    def make(slug: str, path: str = "/"):
        with app.test_request_context(path, base_url=f"http://{slug}.localhost/"):
            app.preprocess_request()
            yield

    return make


def test_english_is_read_as_in_britain_and_stays_en(request_on):
    with request_on("horizon"):
        assert str(get_locale()) == "en"  # catalogs, <html lang>, language links
        assert format_date(DAY) == "2 Dec 2026"
        assert format_date(DAY, "long") == "2 December 2026"
        assert format_date(DAY, "short") == "02/12/2026"
        # Flask-Babel's own functions read the same locale: any caller gets British dates.
        assert babel_format_date(DAY, "medium") == "2 Dec 2026"
        assert format_datetime(MOMENT) == "2 Dec 2026, 14:05"
        assert format_money(123450) == "€1,234.50"
        assert format_number(12345) == "12,345"
        assert format_filesize(12_800) == "12.5 kB"


def test_french_formats(request_on):
    with request_on("resilimo"):
        assert str(get_locale()) == "fr"
        assert plain(format_date(DAY)) == "2 déc. 2026"
        assert plain(format_date(DAY, "long")) == "2 décembre 2026"
        assert plain(format_datetime(MOMENT)) == "2 déc. 2026, 14:05"
        assert plain(format_money(123450)) == "1 234,50 €"
        assert plain(format_money(-10)) == "-0,10 €"
        assert plain(format_number(12345)) == "12 345"


def test_a_naive_datetime_is_utc_as_sqlite_returns_them(request_on):
    with request_on("resilimo"):
        naive = MOMENT.replace(tzinfo=None)
        assert plain(format_datetime(naive)) == "2 déc. 2026, 14:05"
        assert plain(format_datetime(MOMENT)) == "2 déc. 2026, 14:05"
        # 23:30 UTC on the 2nd is already the 3rd in Paris.
        assert plain(format_date(datetime(2026, 12, 2, 23, 30))) == "3 déc. 2026"


def test_the_user_choice_of_english_on_a_french_tenant_is_british(request_on):
    with request_on("resilimo", "/?lang=en"):
        assert str(get_locale()) == "en"
        assert format_date(DAY) == "2 Dec 2026"


@pytest.mark.parametrize(
    ("size", "french", "english"),
    [
        (0, "0 octet", "0 bytes"),
        (1, "1 octet", "1 byte"),
        (300, "300 octets", "300 bytes"),
        (12_800, "12,5 ko", "12.5 kB"),
        (10 * 1024 * 1024, "10 Mo", "10 MB"),
        (1536 * 1024 * 1024, "1,5 Go", "1.5 GB"),
        (None, "", ""),
    ],
)
def test_file_sizes(request_on, size, french, english):
    with request_on("resilimo"):
        assert plain(format_filesize(size)) == french
    with request_on("horizon"):
        assert format_filesize(size) == english


def test_one_set_of_filters_in_templates(request_on):
    page = (
        "{{ day | dateformat }}|{{ day | dateformat('long') }}|{{ moment | datetimeformat }}|"
        "{{ 297 | money }}|{{ 2048 | filesize }}|{{ 1500 | number }}|{{ none | dateformat }}"
    )
    context = {"day": DAY, "moment": MOMENT}
    with request_on("horizon"):
        assert render_template_string(page, **context) == (
            "2 Dec 2026|2 December 2026|2 Dec 2026, 14:05|€2.97|2 kB|1,500|"
        )
    with request_on("resilimo"):
        assert plain(render_template_string(page, **context)) == (
            "2 déc. 2026|2 décembre 2026|2 déc. 2026, 14:05|2,97 €|2 ko|1 500|"
        )


def test_an_email_forced_into_english_is_british_too(request_on):
    with request_on("resilimo"):
        with force_locale("en"):
            assert str(get_locale()) == "en"
            assert format_date(DAY) == "2 Dec 2026"
        assert plain(format_date(DAY)) == "2 déc. 2026"


def test_outside_a_request_formats_are_french(app):
    with app.app_context():
        assert plain(format_date(DAY)) == "2 déc. 2026"
        assert plain(format_money(297)) == "2,97 €"
    assert str(locale_for("en")) == "en"
    assert locale_for("en").territory == "GB"


def test_a_horizon_page_shows_british_dates(app, make_account, client_for):
    """The closure page of an English account says when the closure was asked, day first."""
    from portal.core.accounts.models import Account, AccountStatus
    from portal.core.tenants import tenant_scope
    from portal.extensions import db
    from portal.testing.web import sign_in

    account = make_account("horizon", "agent@horizon-conseil.fr")
    with app.app_context(), tenant_scope(account.tenant_id):
        row = db.session.get(Account, account.id)
        row.status, row.closure_requested_at = AccountStatus.CLOSING, MOMENT
        db.session.commit()
    client = client_for("horizon")
    sign_in(client, account, profile_id=account.holder_profile_id, reauth=True)
    html = client.get("/compte/cloture").get_data(as_text=True)
    assert "2 December 2026" in html, html
    assert "December 2, 2026" not in html


def test_french_plurals_take_the_singular_for_0_and_1(request_on):
    from flask_babel import ngettext

    page = (
        "{% for n in (0, 1, 2) %}"
        "{{ ngettext('%(num)d résultat', '%(num)d résultats', n) }}|{% endfor %}"
    )
    with request_on("resilimo"):
        assert ngettext("%(num)d résultat", "%(num)d résultats", 0) == "0 résultat"
        assert ngettext("%(num)d résultat", "%(num)d résultats", 2) == "2 résultats"
        assert render_template_string(page) == "0 résultat|1 résultat|2 résultats|"
    with request_on("horizon"):  # English: 0 is plural
        assert render_template_string(page) == "0 results|1 result|2 results|"


def test_plugin_plurals_in_french_too(request_on):
    from portal.core.i18n import plugin_domain

    with request_on("msr"):
        domain = plugin_domain("secure_messaging")
        assert domain.ngettext("%(num)d message", "%(num)d messages", 0) == "0 message"


def test_billing_pager_says_0_result(app, make_account, client_for):
    from portal.testing.web import sign_in

    account = make_account("resilimo", "pager@agence-fournier.fr")
    client = client_for("resilimo")
    sign_in(client, account, profile_id=account.holder_profile_id)
    html = client.get("/compte/facturation").get_data(as_text=True)
    assert "(0 résultat)" in html
    assert "0 résultats" not in html


def test_an_email_rendered_by_a_job_in_english_is_british(app, tenant_ids):
    """Jobs render emails outside any request, in the recipient's language."""
    from portal.core.mail.rendering import tenant_rendering
    from portal.core.tenants import tenant_directory

    with app.app_context():
        tenant = tenant_directory().get(tenant_ids["resilimo"])
        with tenant_rendering(tenant, "en"):
            assert str(get_locale()) == "en"
            assert format_date(DAY) == "2 Dec 2026"
        with tenant_rendering(tenant):
            assert plain(format_date(DAY)) == "2 déc. 2026"
