"""The quote tests' kit: the wizard driven through the test client, step by step."""

from __future__ import annotations

import re

from portal.testing.web import csrf_token

NEEDS = {
    "need_optical": "median",
    "need_dental": "median",
    "need_hearing": "minimal",
    "need_hospital": "median",
    "need_fee_overruns": "median",
    "effective_date": "01/01/2027",
    "regime": "cfe",
    "country": "FR",
    "postal_code": "17000",
    "city": "La Rochelle",
    "birth_date": "12/04/1981",
    "spouse": "no",
    "spouse_birth_date": "",
    "children_covered": "no",
    "children": "",
}
DETAILS = {
    "civility": "m",
    "last_name": "Durand",
    "birth_name": "",
    "first_name": "Paul",
    "birth_date": "1981-04-12",
    "address": "12 rue des Lilas",
    "address_complement": "",
    "postal_code": "17000",
    "city": "La Rochelle",
    "country": "FR",
    "email": "paul.durand@example.org",
    "mobile": "06 12 34 56 78",
}


def start(client, product="horizon-monde", **params) -> str:
    """« Nouveau devis » (French pages): the URL of the draft's first step."""
    client.get("/souscription/devis/brouillons/?lang=fr")
    query = {"product": product, **params} if product else params
    response = client.get("/souscription/devis/nouveau", query_string=query)
    assert response.status_code == 302, response.status_code
    return response.headers["Location"]


def post(client, url: str, data: dict):
    """Post a step's form (its CSRF token taken from the page)."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    token = csrf_token(page.get_data(as_text=True))
    fields = []
    for name, value in data.items():
        for each in value if isinstance(value, list | tuple) else [value]:
            fields.append((name, each))
    from werkzeug.datastructures import MultiDict

    return client.post(url, data=MultiDict([("csrf_token", token), *fields]))


def step_url(url: str, step: str) -> str:
    return re.sub(r"/[a-z]+$", f"/{step}", url)


def run(client, needs=None, formula=None, options=(), details=None, product="horizon-monde"):
    """The whole wizard; the response of « Valider et envoyer le devis au client »."""
    url = start(client, product)
    response = post(client, url, {**NEEDS, **(needs or {})})
    assert response.status_code == 302, response.get_data(as_text=True)
    url = response.headers["Location"]
    data = {"options": list(options)}
    if formula:
        data["formula"] = formula
    else:
        page = client.get(url).get_data(as_text=True)
        data["formula"] = re.search(r'name="formula" value="([^"]+)"[^>]*checked', page).group(1)
    response = post(client, url, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    url = response.headers["Location"]
    response = post(client, url, {**DETAILS, **(details or {})})
    assert response.status_code == 302, response.get_data(as_text=True)
    url = response.headers["Location"]
    assert url.endswith("/recapitulatif")
    return post(client, url, {})


def text(response) -> str:
    """A page's text, tags dropped and spaces collapsed."""
    import html

    body = re.sub(
        r"<script.*?</script>|<style.*?</style>", " ", response.get_data(as_text=True), flags=re.S
    )
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())
