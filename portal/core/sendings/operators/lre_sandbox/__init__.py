"""The sandbox registered-email operator (« Bac à sable LRE »): AR24's lifecycle, really run.

``PORTAL_LRE_OPERATOR=sandbox`` (the default; refused in production). The portal hands a letter
over once per ``delivery_id`` (the same id again answers the same reference, nothing new). Then:

1. ``waiting`` — deposited: proof of deposit (dp), made by a job at once, or
   ``PORTAL_LRE_SANDBOX_DELAY_SECONDS`` later when set (held in the database);
2. ``sent`` — the recipient is emailed by the operator (not by the tenant: no sender named) a
   link to ``/_sandbox/lre/<secret>`` on the tenant's host: proof of sending (ev). The 15 days
   to claim it start the day after (Paris time), on the operator's clock (``clock.now()``);
3. on that page the recipient identifies — simple LRE: their name as the sender gave it;
   qualified LRE (sender and recipient both ``identified``, unless ``options["qualified"]`` is
   False): their name, then a one-time code emailed to them — and then accepts (``AR``: proof of
   receipt, the documents and the sender are shown) or refuses (``refused``: proof of refusal);
4. unclaimed at the end of the 15 days, the periodic job ``lre_sandbox_negligence`` (every 10
   minutes) establishes ``negligence`` with its proof, by the day after expiry;
5. ``bounced`` — the notification could not be delivered (e.g. an ``.invalid`` address).

Every proof is a PDF carrying the fields of CPCE R53-2/R53-3, sealed invisibly. Every event has a
stable ``event_id`` (``<reference>-<status>``), is returned by ``events()`` (polling) and posted to
the portal by a job: ``sendings.callbacks.post_callback`` with the header
``X-LRE-Sandbox-Signature: sha256=<HMAC-SHA256 of the body>`` keyed by
``PORTAL_LRE_SANDBOX_SECRET``.

Scenarios, by a tag in the recipient's email (``camille+accepte@example.org``):

* ``+accepte`` — accepted as soon as notified;
* ``+refuse`` — refused as soon as notified;
* ``+neglige`` — never acted upon (negligence after the 15 days);
* ``+panne`` — ``hand_over`` raises ``OperatorUnavailable`` (nothing kept; retry later);
* ``+rejet`` — ``hand_over`` raises ``HandoverRejected``;
* any other address — the recipient acts on the page.
"""

from __future__ import annotations

from portal.core.sendings.operators import register
from portal.core.sendings.operators.base import Channel
from portal.core.sendings.operators.lre_sandbox.operator import LreSandboxOperator

register(Channel.LRE, "sandbox", LreSandboxOperator)

__all__ = ["LreSandboxOperator"]
