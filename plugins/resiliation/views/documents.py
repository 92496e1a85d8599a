"""Request handlers: documents."""


def register(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
