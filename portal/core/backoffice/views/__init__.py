"""Request handlers of the back office, one module per page family."""
