"""Validation and sending of a mail through the core sendings (paper channel): send now (to the
printer at once, posted on ``rules.handover_date``) or schedule (transmitted on the day), the
charge at validation, change of date and cancellation (refunded) until the day before.

Owner: helper « sending ». API: ``send_now(mail, profile) -> PaperMail``,
``schedule(mail, send_on: date, profile) -> PaperMail``, ``reschedule(mail, send_on, profile)``,
``cancel(mail, profile)``, ``may_change(mail) -> bool``, ``NotReady(message)`` when the mail is
incomplete (documents, recipient, checks) and ``NotEnoughCredit``.
"""
