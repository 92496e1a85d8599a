"""Small helpers shared by back-office views."""

from __future__ import annotations

from portal.core.backoffice import queries


def int_arg(value: str | None) -> int | None:
    """A positive integer from the query string, or None (anything else is ignored)."""
    return int(value) if value and value.isdigit() else None


def tenant_choices(all_label: str) -> list[tuple[str, str]]:
    """Options of a tenant filter: every tenant, after an "all" option."""
    return [("", all_label)] + [
        (str(tenant.id), f"{tenant.name} ({tenant.slug})") for tenant in queries.all_tenants()
    ]
