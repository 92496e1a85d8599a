"""Turning an uploaded file into the PDF that is printed: office files (Word, Excel, PowerPoint,
LibreOffice) by LibreOffice headless in a job — its own profile and temporary folder per worker
process, a time limit, a clear message when the file cannot be converted — and images (PNG,
JPEG, TIFF, GIF) onto A4 pages.

Owner: helper « documents ». ``convert_document(tenant_id, document_id)`` is the job
(idempotent: a READY document is left alone); ``office_to_pdf(data, filename) -> bytes`` and
``image_to_pdf(data) -> bytes`` are the pure parts; ``ConversionFailed(message)``.
"""

JOBS: list = []
