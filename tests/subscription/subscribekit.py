"""Helpers of the online-subscription tests: a quote's link, the four steps filled as the client
fills them, the signer's pages walked through."""

from __future__ import annotations

import re

from webkit import text_of

from portal.core.tenants import tenant_scope
from portal.extensions import db


def nir_with_key(first13: str) -> str:
    number = first13.replace("2A", "19").replace("2B", "18")
    return first13 + f"{97 - int(number) % 97:02d}"


# Paul Durand, born in April 1981 (subkit.CLIENT): a man's number of April 1981.
NIR = nir_with_key("1810417300123")
IBAN = "FR7630006000011234567890189"
BIC = "AGRIFRPP"


def link_of(app, tenant_id: int, quote_id: int) -> str:
    """A fresh subscription link of the quote (as the quote email carries)."""
    from plugins.subscription import quotes
    from plugins.subscription.models import Quote

    with app.app_context(), tenant_scope(tenant_id):
        token = quotes.renew_link(db.session.get(Quote, quote_id))
        db.session.commit()
    return f"/souscription/s/{token}"


PERSONAL = {
    "civility": "m",
    "last_name": "Durand",
    "birth_name": "",
    "first_name": "Paul",
    "birth_date": "1981-04-12",
    "social_security_number": NIR,
    "mobile": "06 12 34 56 78",
    "status_declared": "y",
    "health_data_transmission": "y",
}
PAYMENT = {"account_holder": "Paul Durand", "iban": IBAN, "bic": BIC, "debit_authorised": "y"}


def fill_steps(client, post_form, link: str, method: str = "electronic"):
    """Fill the four steps; returns the answer to « Signer le contrat »."""
    assert client.get(link).status_code == 302
    client.get(link + "/donnees?lang=fr")
    answer = post_form(client, link + "/donnees", PERSONAL)
    assert answer.status_code == 302, text_of(answer)
    assert post_form(client, link + "/documents", {"documents_read": "y"}).status_code == 302
    assert post_form(client, link + "/paiement", PAYMENT).status_code == 302
    return post_form(client, link + "/signature", {"method": method})


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def sign_on_the_pages(app, tenant_id: int, client, post_form, signer_path: str, *, refuse=False):
    """Walk the signer's pages: each document read and its boxes ticked, the SMS code, sign
    (or refuse)."""
    from subkit import sms_code

    page = text_of(client.get(signer_path))
    start = re.search(r'<a class="button" href="([^"]+)">Commencer</a>', page).group(1)
    following = start
    for _round in range(10):
        page = text_of(client.get(following))
        boxes = re.findall(r'name="(box_\d+)"', page)
        response = post_form(client, following, {box: "y" for box in boxes})
        assert response.status_code == 302, page
        following = path_of(response.headers["Location"])
        if following.endswith("/sign"):
            break
    if refuse:
        return following
    post_form(client, following, {"send-submit": "1"})
    code = sms_code(app, tenant_id)
    response = post_form(client, following, {"sign-code": code})
    assert path_of(response.headers["Location"]).endswith("/done"), response.status_code
    return following


def without_quote_mail(monkeypatch):
    """Issue quotes without their email (these tests make the link themselves)."""
    from plugins.subscription import quote_mail

    monkeypatch.setattr(quote_mail, "after_issue", lambda quote: None)
