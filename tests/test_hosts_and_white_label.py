"""Host resolution, per-tenant plugins, brand and template overrides, error pages."""

from __future__ import annotations

from pathlib import Path

from portal import create_app
from portal.core.demo import load_demo


def test_custom_domains_and_dev_hosts_resolve_to_their_tenant(client_for):
    assert "Résilimo" in client_for("portail.resilimo.test").get("/").get_data(as_text=True)
    assert "Résilimo" in client_for("www.resilimo.test").get("/").get_data(as_text=True)
    assert "Horizon Solutions+" in client_for("solutions.horizon-mutuelle.test").get("/").get_data(
        as_text=True
    )
    assert "Mutualité Sociale Rurale" in client_for("MONESPACE.MSR.TEST:8080").get("/").get_data(
        as_text=True
    )


def test_an_unknown_host_gets_a_plain_404(client_for):
    for host in ("unknown.localhost", "evil.example.org", "localhost", "resilimo.localhost.evil"):
        response = client_for(host).get("/")
        assert response.status_code == 404
        body = response.get_data(as_text=True)
        assert "Page introuvable" in body
        assert "Résilimo" not in body and "<nav" not in body


def test_a_disabled_plugin_answers_404_and_leaves_the_menu(client_for):
    enabled = {
        "resilimo": ["resiliation", "paper-mail", "emprunteur"],
        "horizon": ["souscription"],
        "msr": ["secure-messaging"],
    }
    every = {path for paths in enabled.values() for path in paths}
    for slug, paths in enabled.items():
        client = client_for(slug)
        home = client.get("/").get_data(as_text=True)
        for path in every:
            response = client.get(f"/{path}/")
            if path in paths:
                # A member's service (secure messaging) sends a visitor to the login page.
                login = "/connexion" in response.headers.get("Location", "")
                assert response.status_code == 200 or login, (slug, path)
                assert f'href="/{path}/"' in home
            else:
                assert response.status_code == 404, (slug, path)
                assert f'href="/{path}/"' not in home
                assert 'class="error-page"' in response.text  # the tenant's branded 404
                assert f"tenant-{slug}" in response.text


def test_each_tenant_has_its_brand(client_for):
    css = client_for("resilimo").get("/brand.css")
    assert css.mimetype == "text/css"
    assert "--brand-primary: #14365d" in css.get_data(as_text=True)
    assert "--brand-primary: #0f6e5a" in client_for("horizon").get("/brand.css").get_data(
        as_text=True
    )
    logo = client_for("msr").get("/theme/logo.svg")
    assert logo.status_code == 200 and b"MSR" in logo.data
    assert client_for("msr").get("/favicon.ico").status_code == 200
    assert client_for("msr").get("/theme/../tenant.toml").status_code == 404


def test_tenant_templates_win_over_core_templates(client_for, make_account, logged_in):
    # msr's theme draws its members' dashboard (tenants/msr/theme/templates/core/dashboard.html)
    member = logged_in(make_account("msr", email="claire@example.fr", category="individual"))
    agent = logged_in(make_account("resilimo", email="jean@agence-fournier.fr"))
    assert "Contact & échanges" in member.get("/").get_data(as_text=True)
    assert "Contact & échanges" not in agent.get("/").get_data(as_text=True)
    # Served alternately, the override never leaks through the template cache.
    for _ in range(2):
        assert "Mon espace privé" not in client_for("horizon").get("/").get_data(as_text=True)
        assert "Mon espace privé" in client_for("msr").get("/").get_data(as_text=True)


def test_a_tenant_overrides_a_plugin_template(app_config, tmp_path, fresh_database_url):
    """A plugin never overrides the core (tests/test_plugin_room.py); a tenant's theme may
    override both."""
    import shutil

    tenants = tmp_path / "tenants"
    shutil.copytree(Path(app_config["PORTAL_TENANTS_DIR"]), tenants)
    override = tenants / "resilimo" / "theme" / "templates" / "resiliation" / "home.html"
    override.parent.mkdir(parents=True)
    override.write_text('{% extends "layout.html" %}{% block content %}OVERRIDDEN{% endblock %}')

    app = create_app(
        {
            **app_config,
            "SQLALCHEMY_DATABASE_URI": fresh_database_url,
            "PORTAL_TENANTS_DIR": str(tenants),
        }
    )
    with app.app_context():
        load_demo(app)
    client = app.test_client()
    assert "OVERRIDDEN" in client.get("/resiliation/", base_url="http://resilimo.localhost").text
    assert "Mon espace privé" in client.get("/", base_url="http://msr.localhost").text


def test_an_unexpected_error_shows_a_branded_page_without_a_trace(app_config):
    app = create_app({**app_config, "TESTING": False})

    def boom():
        raise RuntimeError("secret internals")

    app.add_url_rule("/boom", "boom", boom)
    response = app.test_client().get("/boom", base_url="http://resilimo.localhost")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Une erreur est survenue" in body and "Résilimo" in body
    assert "secret internals" not in body and "Traceback" not in body
