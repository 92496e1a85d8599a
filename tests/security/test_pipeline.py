"""Every view goes through the request pipeline, and a disabled plugin is invisible.

Routes come from the URL map: a view added later without the pipeline fails here, and a plugin
URL added later is tried on every tenant where its plugin is off.
"""

from __future__ import annotations

import time

import pytest
from routewalk import all_routes

from portal.core.web.pipeline import is_handler

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def test_every_endpoint_goes_through_the_pipeline(app):
    outside = sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if not is_handler(app.view_functions[rule.endpoint])
    )
    assert outside == [], f"views outside the request pipeline: {outside}"


def test_no_view_commits_itself():
    """The pipeline commits once; a ``commit()`` in view code would split the transaction."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in [
        *root.glob("portal/**/views*.py"),
        *root.glob("portal/**/views/*.py"),
        *root.glob("plugins/*/views*.py"),
        *root.glob("portal/**/backoffice*.py"),
    ]:
        if "commit()" in path.read_text():
            offenders.append(str(path.relative_to(root)))
    assert offenders == []


def _plugin_routes(app):
    """Routes of plugins' blueprints; a core module's (always on) is no plugin's."""
    owners = app.extensions["portal.blueprint_owners"]
    core = app.extensions["portal.plugins"].core_names
    for route in all_routes(app):
        owner = owners.get(route.blueprint.split(".")[0])
        if owner is not None and owner not in core:
            yield owner, route


def _tenants_without(app, plugin: str) -> list[str]:
    from portal.core.tenants import tenant_directory

    with app.app_context():
        slugs = ["resilimo", "horizon", "msr"]
        return [s for s in slugs if plugin not in tenant_directory().by_slug(s).enabled_plugins]


def test_a_disabled_plugin_answers_404_to_every_method(app):
    tried = 0
    for plugin, route in _plugin_routes(app):
        for slug in _tenants_without(app, plugin):
            client = app.test_client()
            for method in METHODS:
                response = client.open(
                    route.any_url(),
                    method=method,
                    base_url=f"http://{slug}.localhost",
                    data={"anything": "1"},
                )
                assert response.status_code == 404, (slug, route.rule.rule, method)
                tried += 1
    assert tried > 0


def test_the_gate_answers_before_the_idle_check(app, client_for, make_account, sign_in):
    """An idle session is not sent to the login page by a URL that does not exist here."""
    account = make_account("resilimo")
    client = sign_in(client_for("resilimo"), account)
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - 24 * 3600
    route = next(r for plugin, r in _plugin_routes(app) if plugin == "secure_messaging")
    for method in ("GET", "POST"):
        response = client.open(route.any_url(), method=method)
        assert response.status_code == 404, method


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_a_wrong_method_on_an_enabled_plugin_is_still_405(app, client_for, method):
    """The gate hides only disabled plugins: where the plugin is on, HTTP answers as usual."""
    route = next(
        r
        for plugin, r in _plugin_routes(app)
        if plugin == "secure_messaging" and r.methods == {"GET"} and not r.params
    )
    response = client_for("msr").open(route.url({}), method=method)
    assert response.status_code in (400, 405)
