"""One identity per outgoing message of a job, and "handed to the relay" recorded at once.

A job that sends an email or an SMS may crash after the relay accepted it and before the job
commits; its retry must neither send it again nor send it under a new identity. Each message a
job hands over gets the identity ``job-<id>-<n>`` (``n`` counts the job's messages in order, the
same on every attempt); as soon as the relay accepts it, ``job.handovers`` is committed on its
own connection, so a later attempt skips the messages an earlier one handed over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import update

from portal.core.jobs.models import Job
from portal.extensions import db

log = logging.getLogger(__name__)


@dataclass
class _Attempt:
    job_id: int
    handed_over: int  # messages earlier attempts handed over
    position: int = 0


_attempt: ContextVar[_Attempt | None] = ContextVar("portal_job_attempt", default=None)


@contextmanager
def attempt_of(job_id: int, handed_over: int) -> Iterator[None]:
    """Within the block, outgoing messages belong to job ``job_id`` (the worker runs it)."""
    token = _attempt.set(_Attempt(job_id, handed_over))
    try:
        yield
    finally:
        _attempt.reset(token)


def hand_over(send: Callable[[str | None], None], *, transactional: bool) -> bool:
    """Send one message through ``send(identity)``, at most once per job; False if skipped.

    ``identity`` is ``job-<id>-<n>`` inside a job, None elsewhere (the caller makes a fresh
    one). ``transactional``: the transport writes in the job's own transaction (development
    mailbox), so a failed attempt undoes the message too and it is sent again, unrecorded.
    """
    attempt = _attempt.get()
    if attempt is None:
        send(None)
        return True
    position = attempt.position
    attempt.position += 1
    identity = f"job-{attempt.job_id}-{position}"
    if not transactional and position < attempt.handed_over:
        log.info("%s: handed to the relay by an earlier attempt, not sent again", identity)
        return False
    send(identity)
    if not transactional:
        _record(attempt.job_id, position + 1)
    return True


def _record(job_id: int, handovers: int) -> None:
    # Never raises: the message is out, and a retry caused by a bookkeeping error would only
    # send it again.
    try:
        with db.engine.begin() as conn:
            conn.execute(update(Job).where(Job.id == job_id).values(handovers=handovers))
    except Exception:
        log.exception("job %s: message %s sent but not recorded as handed over", job_id, handovers)
