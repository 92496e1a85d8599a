"""Request handlers: a letter's proofs and timeline (Resiliation II)."""


def register(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
