"""Owner: see the module docstring of the plugin."""


def register(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
