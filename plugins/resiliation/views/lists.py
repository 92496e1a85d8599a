"""Request handlers: the lists of letters, their export, the trash (Resiliation II)."""


def register(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
