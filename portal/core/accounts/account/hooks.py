"""Hook implementations of the account area (registered as the core module "accounts.account")."""

from portal.core.plugins import hookimpl


@hookimpl
def register_jobs():
    from portal.core.accounts.closure import purge_account

    return [purge_account]
