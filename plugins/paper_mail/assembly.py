"""Exactly what is printed: the address-carrier page when the address is typed, then each
document in order; what the printer receives and what the print preview shows.

Owner: helper « documents ». API: ``printed_documents(mail) -> list[NewDocument]`` (the files
handed to the sending, carrier page first), ``preview_pages(mail) -> list[PreviewPage]``
(document id or None for the carrier page, page number, front/back of which sheet) and
``preview_png(mail, index: int, width: int = 600) -> bytes``.
"""
