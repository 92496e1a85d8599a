"""What a mandate's e-signature outcome does to its letter."""


def signature_outcome(tenant, procedure, outcome) -> None:
    """``outcome`` of the signature ``procedure`` of a letter's mandate (idempotent)."""
