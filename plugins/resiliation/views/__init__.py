"""Request handlers of the resiliation plugin, one module per part (every view goes through the
pipeline); each module's ``register(blueprint)`` adds its URL rules."""
