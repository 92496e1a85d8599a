"""The ``portal`` command line on an empty database: what a developer's first run does."""

from click.testing import CliRunner
from flask.cli import ScriptInfo

from portal import create_app
from portal.cli import cli


def test_demo_builds_an_empty_database_and_prints_each_tenants_url(app_config, fresh_database_url):
    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": fresh_database_url})
    info = ScriptInfo(create_app=lambda: app)
    result = CliRunner().invoke(cli, ["demo"], obj=info)
    assert result.exit_code == 0, result.output
    for slug in ("horizon", "msr", "resilimo"):
        assert f"http://{slug}.localhost/" in result.output
    again = CliRunner().invoke(cli, ["demo"], obj=info)  # idempotent
    assert again.exit_code == 0, again.output
    listed = CliRunner().invoke(cli, ["tenants", "list"], obj=info)
    assert "http://resilimo.localhost/" in listed.output
    assert app.test_client().get("/", base_url="http://msr.localhost").status_code == 200
