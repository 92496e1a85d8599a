"""The postal printer sandbox (``PORTAL_PAPER_OPERATOR=sandbox``, development and demo only): a
printer that really runs in the portal's database, shaped like Maileva and BeePOST.

A sending handed over (once per ``delivery_id``: a second hand-over answers with the same
reference) goes through the printer's production states on its own clock
(``portal.core.clock``), moved on by a periodic job every minute:

==========  ===========================================  ===============================
code        meaning (Maileva's label)                    when (Europe/Paris)
==========  ===========================================  ===============================
ACCEPTED    réceptionné                                  at the hand-over
PROCESSED   imprimé, mis sous pli (« en cours d'édition »)  one hour later, the same day
A01         pris en charge par La Poste + preuve de dépôt  next business day, 09:00
D01         distribué (+ preuve de distribution if tracked)  +1 business day (suivie,
                                                         recommandé), +2 lettre verte, +4 ecopli
N01         AR signé (recommande_ar: the scanned card)   2 business days after D01
==========  ===========================================  ===============================

Tracking numbers: ``1A`` + 11 digits (recommandé), ``1L`` + 11 digits (lettre suivie).
``PORTAL_PAPER_SANDBOX_SPEED=<seconds>`` puts that many seconds between steps instead (demos).

Scenarios, chosen by the recipient (name, company or address lines, case-insensitive):

* ``NPAI`` → A26 then N02 (registered) / N10 (letter): returned, « N'habite pas à l'adresse
  indiquée », with an avis de retour;
* ``REFUS`` → P04 (registered) / A18 then N05: refused, with an avis de retour;
* ``INSTANCE`` → P01 (avisé, waits at the post office), P03 after 15 days, N03: not claimed;
* postal code ``00000`` (or no address line, no city) → ``HandoverRejected``;
* ``PANNE`` → ``OperatorUnavailable`` (nothing kept: try again later).

Every event has a stable id (``<reference>-<code>``), is listed by ``events(reference)`` and is
posted to the portal as a callback signed with HMAC-SHA256 of the body
(``X-Paper-Sandbox-Signature: sha256=…``, secret ``PORTAL_PAPER_SANDBOX_SECRET``). Proofs are
PDFs sealed in the printer's name.
"""

from __future__ import annotations

from portal.core.sendings.operators import register
from portal.core.sendings.operators.base import Channel
from portal.core.sendings.operators.paper_sandbox.operator import PaperSandboxOperator

register(Channel.PAPER, "sandbox", PaperSandboxOperator)

__all__ = ["PaperSandboxOperator"]
