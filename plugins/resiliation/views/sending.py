"""Request handlers: validating a letter, its date, its cancellation (Resiliation II)."""


def register(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
