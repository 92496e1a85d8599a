"""The mandates' tables (filled in with the mandates part)."""

# The model classes of this part, registered by the plugin's ``register_models``.
MODELS: list = []
