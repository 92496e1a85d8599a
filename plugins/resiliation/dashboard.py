"""The dashboard card of the resiliation plugin (Resiliation II, being written)."""


def widgets(tenant, account, profile) -> list:
    return []
