"""Request handlers of the subscription plugin, one module per area."""
