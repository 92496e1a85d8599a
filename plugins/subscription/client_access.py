"""Stub: the client space's sign-in (OWNED BY the client-space helper, see /tmp/briefs)."""

JOBS: list = []
