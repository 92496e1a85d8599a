"""``portal staff``: create, list and deactivate back-office staff (audited, actor "system")."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from portal.core.accounts.passwords import policy_failures
from portal.core.backoffice import operations
from portal.core.backoffice.models import StaffRole, StaffUser
from portal.extensions import db


@click.group("staff")
def staff_group():
    """Back-office staff accounts (password + TOTP second factor enrolled at first login)."""


def _prompt_password() -> str:
    while True:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        if not policy_failures(password):
            return password
        click.secho(operations.PASSWORD_RULES, fg="red", err=True)


def _run(action, *args):
    try:
        result = action(*args)
    except operations.StaffError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    return result


@staff_group.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name shown in the back office and the log.")
@click.option(
    "--role", type=click.Choice([r.value for r in StaffRole]), default="support", show_default=True
)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first stdin line.")
@with_appcontext
def create_command(email: str, name: str, role: str, password_stdin: bool):
    """Create a staff member; they enrol their authenticator app at first login."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else _prompt_password()
    staff = _run(operations.create_staff, email, name, StaffRole(role), password)
    click.echo(f"created: {staff.email} ({staff.role.value})")


@staff_group.command("list")
@with_appcontext
def list_command():
    """List staff members: email, role, state, second factor, last login."""
    for staff in db.session.scalars(select(StaffUser).order_by(StaffUser.email)):
        state = "active" if staff.active else "deactivated"
        second = "totp" if staff.totp_confirmed_at else "totp not enrolled"
        last = staff.last_login_at.strftime("%Y-%m-%d %H:%M") if staff.last_login_at else "never"
        click.echo(
            f"{staff.email:40} {staff.name:30} {staff.role.value:8} {state:12} {second:18} {last}"
        )


@staff_group.command("deactivate")
@click.argument("email")
@with_appcontext
def deactivate_command(email: str):
    """Deactivate a staff member: no more logins, open sessions end at once."""
    staff = _run(operations.deactivate_staff, email)
    click.echo(f"deactivated: {staff.email}")


@staff_group.command("reset-totp")
@click.argument("email")
@with_appcontext
def reset_totp_command(email: str):
    """Forget a staff member's authenticator (lost phone): they enrol again at next login."""
    staff = _run(operations.reset_second_factor, email)
    click.echo(f"second factor reset: {staff.email}")
