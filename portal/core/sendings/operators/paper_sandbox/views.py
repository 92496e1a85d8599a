"""The sandbox printer's own tracking page (« Suivi du courrier », like BeePOST's): a print
job's steps done and to come, its tracking number and its proofs (the scanned AR card among
them). No login: the printer's reference is the key, found on its tenant's host only."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from flask import abort, g, render_template, send_file

from portal.core.sendings.operators.paper_sandbox import rules
from portal.core.sendings.operators.paper_sandbox.models import PaperSandboxJob
from portal.core.sendings.operators.paper_sandbox.operator import clock_aware
from portal.core.web.headers import send_no_referrer
from portal.core.web.pipeline import Access, Load, handler

BY_REFERENCE = {"ref": Load(PaperSandboxJob, column="reference", name="job")}


def _when(moment, zone: ZoneInfo) -> str:
    return clock_aware(moment).astimezone(zone).strftime("%d/%m/%Y %H:%M")


@handler(Access.ANONYMOUS, load=BY_REFERENCE)
def tracking(job: PaperSandboxJob):
    """The print job's page: what happened, what comes next."""
    zone = ZoneInfo(g.tenant.config.timezone)
    done = [
        {
            "code": event.code,
            "label": rules.label(event.code),
            "detail": event.detail,
            "at": _when(event.occurred_at, zone),
            "proofs": list(event.proofs),
        }
        for event in job.events
    ]
    coming = [
        {"code": step.code, "label": rules.label(step.code), "at": _when(step.at, zone)}
        for step in (rules.Step.from_json(data) for data in (job.plan or [])[job.step :])
    ]
    send_no_referrer()
    page = render_template("paper_sandbox/tracking.html", job=job, done=done, coming=coming)
    return page, 200, {"Cache-Control": "no-store"}


@handler(Access.ANONYMOUS, load=BY_REFERENCE)
def proof(job: PaperSandboxJob, proof_id: int):
    """One proof of the print job (a sealed PDF)."""
    found = next((p for event in job.events for p in event.proofs if p.id == proof_id), None)
    if found is None:
        abort(404)
    send_no_referrer()
    response = send_file(
        io.BytesIO(found.content),
        mimetype=found.media_type,
        as_attachment=True,
        download_name=found.filename,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
