"""Hook implementations of the back office (always on)."""

from portal.core.plugins import hookimpl


@hookimpl
def register_cli_commands(cli):
    from portal.core.backoffice.cli import staff_group

    cli.add_command(staff_group)
