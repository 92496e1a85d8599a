"""What the signature actions refuse, with a message for the person who can fix it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext


class SignatureError(Exception):
    """An action refused; ``message`` (translated) is shown next to the field or on the page."""

    default_message = _l("Cette action n'est pas possible.")

    def __init__(self, message=None):
        self.message = message if message is not None else self.default_message
        super().__init__(str(self.message))


class LinkInvalid(SignatureError):
    """Unknown token, procedure closed, or not this signer's turn."""

    default_message = _l(
        "Ce lien de signature n'est pas valide ou n'est plus actif. "
        "Contactez la personne qui vous a demandé de signer."
    )


class IdentityDocumentRequired(SignatureError):
    default_message = _l("Déposez d'abord une pièce d'identité (PDF, JPEG ou PNG).")


class UploadRefused(SignatureError):
    pass


class MissingAcceptance(SignatureError):
    """A required acceptance box of document ``document_position`` is not ticked."""

    def __init__(self, document_position: int, message=None):
        self.document_position = document_position
        super().__init__(
            message
            or _l(
                "Cochez chaque case obligatoire du document %(position)s.",
                position=document_position,
            )
        )


class CodeNotSent(SignatureError):
    default_message = _l("Demandez d'abord le code de signature par SMS.")


class WrongCode(SignatureError):
    def __init__(self, tries_left: int):
        self.tries_left = tries_left
        super().__init__(
            lazy_ngettext(
                "Ce code n'est pas le bon. Il vous reste %(num)d essai.",
                "Ce code n'est pas le bon. Il vous reste %(num)d essais.",
                tries_left,
            )
        )


class CodeExpired(SignatureError):
    default_message = _l("Ce code a expiré. Demandez un nouveau code.")


class TooManyTries(SignatureError):
    default_message = _l(
        "Trop d'essais avec ce code : il n'est plus valable. Demandez un nouveau code."
    )


class CodeThrottled(SignatureError):
    def __init__(self, wait_seconds: int):
        self.wait_seconds = wait_seconds
        super().__init__(
            lazy_ngettext(
                "Un code vient de vous être envoyé. Attendez %(num)d seconde avant d'en "
                "demander un autre.",
                "Un code vient de vous être envoyé. Attendez %(num)d secondes avant d'en "
                "demander un autre.",
                wait_seconds,
            )
        )


class SigningUnavailable(SignatureError):
    """The seal or its timestamp could not be made (the authority did not answer): nothing was
    signed, the code stays valid, trying again later works."""

    default_message = _l(
        "La signature n'a pas pu être apposée pour le moment. Rien n'a été signé : "
        "réessayez dans quelques minutes avec le même code."
    )


class ProcedureClosed(SignatureError):
    default_message = _l("Cette procédure de signature est terminée.")


class InvalidProcedure(SignatureError):
    """The creation input does not make a procedure (said in the message)."""
