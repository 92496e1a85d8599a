"""A mail's documents (manual §8.1): add files (type checked by content, antivirus, ≤ 10 Mo),
remove, reorder, staple; each file becomes the PDF that is printed (``conversion``).

Owner: helper « documents ». Public API used by the views and other modules:

- ``add_file(mail, stream, filename) -> PaperDocument`` — reads and checks the upload
  (``portal.core.uploads``: sniffed type, antivirus), refuses with ``DocumentRefused(message)``
  (a translated sentence for the field) a file over the tenant's ``max_file_mb`` or of a type not
  accepted; stores the original; a PDF is READY at once (pages counted), an image or office file
  is PENDING and its conversion job is enqueued. The mail's other documents are never touched.
- ``remove(document)``; ``move(document, offset: int)`` (−1 up, +1 down);
  ``set_order(mail, ids: list[int])`` (drag and drop; ids of another mail are refused);
- ``set_staple(document, on: bool)`` (only from ``rules.STAPLE_FROM_PAGES`` pages);
  ``staple_all(mail)`` (« Agrafer tout »: every document that may be stapled);
- ``may_staple(document) -> bool``; ``pdf_bytes(document) -> bytes`` (READY only);
- ``ready(mail) -> bool`` (at least one document, all READY).
"""
