"""Pre-flight checks of a mail before its price (issue 17 §2): sheets against the envelopes
(``rules.envelope_plan``), content outside the printable area (``rules.PRINTABLE_MARGIN_MM``),
the address block in the window (``rules.ADDRESS_BLOCK`` under ``rules.QR_MARK``) when the
address is read from the first document. Each failure says what to change.

Owner: helper « checks ». API: ``preflight(mail) -> Preflight`` with ``problems: list[Problem]``
(``Problem(code, message, document_id=None, page=None)``, ``message`` translated),
``sheets: int``, ``plan: EnvelopePlan | None``; ``ok`` when no problem.
Pure helpers on PDF bytes: ``outside_printable_area(pdf: bytes) -> list[int]`` (1-based pages),
``window_problem(pdf: bytes) -> str | None``.
"""
