"""Request handlers: the mandate and the sender of a letter."""


def register(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
