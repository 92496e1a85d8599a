"""Every state-changing route refuses a request without a valid CSRF token.

Routes are taken from the URL map, so a route added later is covered without editing this file.
A route that must accept requests from elsewhere (a payment provider's server-to-server
notification) is listed in CSRF_EXEMPT with its reason and must authenticate otherwise.
"""

from __future__ import annotations

import pytest
from routewalk import STATE_CHANGING, all_routes

CSRF_EXEMPT: dict[str, str] = {
    "credits.payment_notification": (
        "the payment provider's server-to-server notification: authenticated by its HMAC "
        "signature instead, refused with 400 when the signature is wrong"
    ),
    "sendings.operator_callback": (
        "a sending operator's server-to-server callback: authenticated by the operator's HMAC "
        "of the body instead, refused with 401 when it is wrong"
    ),
    "signatures.webhook": (
        "a signature provider's server-to-server webhook: authenticated by the provider's HMAC "
        "of the body instead, refused with 401 when it is wrong"
    ),
}


def test_every_state_changing_route_is_covered(app):
    routes = [r for r in all_routes(app) if r.methods & STATE_CHANGING]
    assert routes, "no state-changing route found: the walk is broken"


@pytest.mark.parametrize("method", sorted(STATE_CHANGING))
def test_a_request_without_a_csrf_token_is_refused(app, method):
    checked = 0
    for route in all_routes(app):
        if method not in route.methods or route.endpoint in CSRF_EXEMPT:
            continue
        client = app.test_client()
        response = client.open(
            route.any_url(),
            method=method,
            base_url=f"http://{route.host(app)}",
            data={"anything": "1"},
        )
        assert response.status_code == 400, (route.rule.rule, method, response.status_code)
        assert "Traceback" not in response.get_data(as_text=True)
        checked += 1
    if method == "POST":
        assert checked > 0


def test_a_wrong_csrf_token_is_refused_too(app, client_for):
    client = client_for("resilimo")
    client.get("/")  # a session exists
    for route in all_routes(app):
        if "POST" not in route.methods or route.endpoint in CSRF_EXEMPT:
            continue
        response = client.post(
            route.any_url(),
            base_url=f"http://{route.host(app)}",
            data={"csrf_token": "forged"},
        )
        assert response.status_code == 400, route.rule.rule
