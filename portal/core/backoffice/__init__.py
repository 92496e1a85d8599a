"""The operator back office, on its own host (``PORTAL_BACKOFFICE_HOST``)."""

from portal.core.backoffice.models import StaffRole, StaffUser

__all__ = ["StaffRole", "StaffUser"]
