"""Hook implementations of the mail module (always on)."""

from portal.core.plugins import hookimpl


@hookimpl
def register_jobs():
    from portal.core.mail.jobs import deliver_email

    return [deliver_email]
