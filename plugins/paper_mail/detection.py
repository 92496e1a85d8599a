"""The recipient's address read in the first document's window (manual §8.3): the text layer
inside ``rules.ADDRESS_BLOCK`` (pypdfium2), else OCR of that zone rendered as an image
(Tesseract, French). The user confirms what was read.

Owner: helper « checks ». API: ``detect_address(pdf: bytes) -> DetectedAddress | None`` with
``lines: list[str]`` (as read, top to bottom), ``method: "text" | "ocr"``, and the parsed
``name``, ``address_lines`` (1–4), ``postal_code``, ``city`` (None when the last line is not
« 38000 GRENOBLE »-like).
"""
