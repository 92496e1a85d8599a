"""A multi-tenant, white-label portal framework for French insurance professionals."""

from portal.app import create_app

__all__ = ["create_app"]
__version__ = "0.1.0"
