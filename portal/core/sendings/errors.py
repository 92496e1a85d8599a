"""What the sending actions refuse, with a message for the person who can fix it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


class SendingError(Exception):
    """An action refused; ``message`` (translated) is shown next to the field or on the page."""

    default_message = _l("Cette action n'est pas possible sur cet envoi.")

    def __init__(self, message=None):
        self.message = message if message is not None else self.default_message
        super().__init__(str(self.message))


class InvalidSending(SendingError):
    """The creation input does not make a sending (said in the message)."""


class SendingFrozen(SendingError):
    """The sending was validated: its documents, recipient and options no longer change."""

    default_message = _l(
        "Cet envoi est validé : ses documents, son destinataire et ses options ne changent plus."
    )


class TooLateToChange(SendingError):
    """Reschedule or cancel asked on the due day or later (allowed until the day before)."""

    default_message = _l(
        "Il est trop tard : un envoi ne peut être reporté ou annulé que jusqu'à la veille "
        "de sa date d'envoi."
    )


class SendingClosed(SendingError):
    """The sending has left (or ended): nothing more can be done to it from the portal."""

    default_message = _l("Cet envoi est déjà parti ou terminé.")
