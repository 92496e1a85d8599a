"""What the verification actions refuse, for a reason the user can fix."""

from __future__ import annotations


class VerificationError(ValueError):
    """An action refused for a reason the user can fix; ``message`` is shown to them."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class UploadRefused(VerificationError):
    pass


class AlreadyReviewed(VerificationError):
    pass


class MandateAlreadySigned(VerificationError):
    pass


class MandateChanged(VerificationError):
    pass


class IdentityStartRefused(VerificationError):
    pass
