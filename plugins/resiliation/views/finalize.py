"""Request handlers: finalize."""


def register(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
