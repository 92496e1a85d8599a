"""The operators' callback: ``POST /_operators/<channel>/<operator>/callback`` on the tenant's
host. Anonymous and CSRF-exempt: a server calls it, authenticated by its signature, which the
configured operator checks (``parse_callback``). Each event is applied once to this tenant's
sendings only (another tenant's sending named in it is not seen).

Answers: 200 (applied, known, or about no sending here), 400/401 when refused, 404 when this is
not the operator configured for the channel, 503 when the operator cannot be built."""

from __future__ import annotations

from flask import current_app, request

from portal.core.sendings.operators.base import CallbackRejected, Channel
from portal.core.web.pipeline import Access, handler
from portal.extensions import csrf

UNAUTHENTIC = frozenset({"missing_signature", "bad_signature"})


def _text(body: str, status: int):
    return body, status, {"Content-Type": "text/plain; charset=utf-8"}


@csrf.exempt
@handler(Access.ANONYMOUS)
def operator_callback(channel: str, operator: str):
    """An operator reports what happened to sendings (see the module docstring)."""
    from portal.core.sendings.operations import apply_operator_events
    from portal.core.sendings.operators import operator_for

    try:
        channel_value = Channel(channel)
    except ValueError:
        return _text("unknown channel", 404)
    try:
        adapter = operator_for(channel_value)
    except ValueError as exc:
        current_app.logger.error("operator callback: %s", exc)
        return _text("not configured", 503)
    if adapter.name != operator:
        return _text("unknown operator", 404)
    body = request.get_data(cache=False)
    try:
        events = adapter.parse_callback(dict(request.headers), body)
    except CallbackRejected as exc:
        reason = str(exc) or "rejected"
        current_app.logger.warning("operator callback refused (%s): %s", operator, reason)
        return _text(reason, 401 if reason in UNAUTHENTIC else 400)
    added = apply_operator_events(channel_value, events, "callback")
    return _text(f"ok {len(added)}", 200)
