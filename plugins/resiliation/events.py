"""What a letter's sending reaching a state does to the letter (Resiliation II, being written)."""


def sending_state_changed(tenant, sending, state) -> None:
    """``sending`` (this plugin's) reached ``state``: the letter follows (idempotent)."""


JOBS: list = []
