"""The project's tests run on the ``portal.testing`` pytest plugin (registered by portal's
``pytest11`` entry point): the two-backend harness, the session app, clients per tenant host,
the account and staff factories. See ``portal/testing/__init__.py``."""
