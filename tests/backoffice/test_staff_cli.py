"""``portal staff create|list|deactivate``: the way staff accounts come to exist."""

from __future__ import annotations

import pytest
from bokit import PASSWORD, audit_entries, unique_email
from click.testing import CliRunner
from flask.cli import ScriptInfo

from portal.cli import cli
from portal.core.accounts.passwords import verify_password
from portal.core.backoffice.models import StaffRole
from portal.core.backoffice.operations import staff_by_email
from portal.extensions import db


@pytest.fixture
def run(app):
    info = ScriptInfo(create_app=lambda: app)

    def invoke(*args, input=None):
        return CliRunner().invoke(cli, list(args), obj=info, input=input)

    return invoke


def _staff(app, email):
    with app.app_context():
        staff = staff_by_email(email)
        if staff is not None:
            db.session.expunge(staff)
        return staff


def test_create_asks_the_password_twice_and_enforces_the_policy(app, run):
    email = unique_email()
    typed = f"court\ncourt\n{PASSWORD}\n{PASSWORD}\n"  # a weak one first: asked again
    result = run("staff", "create", email, "--name", "Alice Martin", "--role", "admin", input=typed)
    assert result.exit_code == 0, result.output
    assert "12" in result.output  # the policy is explained
    assert f"created: {email}" in result.output
    staff = _staff(app, email)
    assert staff.role is StaffRole.ADMIN and staff.name == "Alice Martin" and staff.active
    assert verify_password(staff.password_hash, PASSWORD)
    assert staff.totp_confirmed_at is None  # enrolled at first login
    [entry] = audit_entries(app, "staff.created", {"email": email}, target_id=staff.id)
    assert entry.actor_type == "system" and entry.details["role"] == "admin"
    assert PASSWORD not in str(entry.details)


def test_password_from_stdin_list_and_deactivate(app, run):
    email = unique_email()
    created = run("staff", "create", email, "--name", "Bob", "--password-stdin", input=PASSWORD)
    assert created.exit_code == 0, created.output
    assert _staff(app, email).role is StaffRole.SUPPORT  # the default role

    listed = run("staff", "list")
    assert email in listed.output and "support" in listed.output
    assert "totp not enrolled" in listed.output

    gone = run("staff", "deactivate", email.upper())
    assert gone.exit_code == 0, gone.output
    staff = _staff(app, email)
    assert not staff.active and staff.session_version == 2  # open sessions end
    assert "deactivated" in run("staff", "list").output
    [entry] = audit_entries(app, "staff.deactivated", {"email": email}, target_id=staff.id)
    assert entry.actor_type == "system"


def test_refusals_say_why_and_create_nothing(app, run):
    email = unique_email()
    weak = run("staff", "create", email, "--name", "Eve", "--password-stdin", input="password\n")
    assert weak.exit_code != 0 and "password needs" in weak.output
    assert _staff(app, email) is None

    bad = run("staff", "create", "pas-un-email", "--name", "E", "--password-stdin", input=PASSWORD)
    assert bad.exit_code != 0 and "invalid email" in bad.output

    assert run("staff", "create", email, "--name", "Eve", "--password-stdin", input=PASSWORD)
    twice = run("staff", "create", email, "--name", "Eve", "--password-stdin", input=PASSWORD)
    assert twice.exit_code != 0 and "already" in twice.output

    role = run("staff", "create", unique_email(), "--name", "E", "--role", "boss", input="")
    assert role.exit_code != 0

    unknown = run("staff", "deactivate", unique_email())
    assert unknown.exit_code != 0 and "no staff member" in unknown.output
