"""Built-in service plugins. Each is a self-contained package found through the
``portal.plugins`` entry-point group, exactly like a third-party plugin."""
