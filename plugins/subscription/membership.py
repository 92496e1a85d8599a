"""Stub: the membership request (OWNED BY the subscription-flow helper, see /tmp/briefs)."""

JOBS: list = []


def signature_outcome(tenant, procedure, outcome) -> None:
    """The client's e-signature ended (``on_signature_outcome``)."""
