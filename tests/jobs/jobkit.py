"""Test-only jobs, tables and routes for the jobs tests.

The tables live in their own metadata (created and dropped by the jobs fixtures) so the shared
schema and the other tests never see them. Every job leaves an ``Event`` row: counting rows by name
counts a job's committed effects.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from datetime import timedelta

from flask import Flask, request
from sqlalchemy import Integer, MetaData, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portal.core.jobs import enqueue, job
from portal.core.mail import compose_email, send_email
from portal.core.plugins import PeriodicJob
from portal.core.tenants import TenantScoped, tenant_directory
from portal.extensions import db


class KitBase(DeclarativeBase):
    metadata = MetaData()


class Event(KitBase):
    """A global row: one per committed job effect."""

    __tablename__ = "jobkit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    tenant_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(String(500))


class Note(TenantScoped, KitBase):
    """A tenant-owned row (no foreign key: the tenant table is in the other metadata)."""

    __tablename__ = "jobkit_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer, index=True)
    label: Mapped[str] = mapped_column(String(100))


ATTEMPTS: Counter[str] = Counter()


@job
def record(tenant_id, name, detail=None):
    db.session.add(Event(name=name, tenant_id=tenant_id, detail=detail))


@job
def slow_record(tenant_id, name):
    db.session.add(Event(name=name, tenant_id=tenant_id))
    db.session.flush()
    time.sleep(0.3)  # long enough for a second delivery to arrive while this one runs


@job(max_retries=5)
def flaky(tenant_id, name, failures):
    """Writes its effect, then fails the first ``failures`` times."""
    db.session.add(Event(name=name, tenant_id=tenant_id))
    db.session.flush()
    ATTEMPTS[name] += 1
    if ATTEMPTS[name] <= failures:
        raise RuntimeError(f"transient failure {ATTEMPTS[name]}")


@job
def email_then_linger(tenant_id, name, to):
    """Emails ``to``; if this attempt did hand it over, lingers ``JOBKIT_LINGER_SECONDS`` (set in
    a worker a test kills once the relay accepted the email); then records its effect."""
    tenant = tenant_directory().get(tenant_id)
    context = {"title": name, "paragraphs": ["Votre lettre est partie."]}
    if send_email(compose_email(tenant, "notification", to=to, subject=name, context=context)):
        time.sleep(float(os.environ.get("JOBKIT_LINGER_SECONDS", "0")))
    db.session.add(Event(name=name, tenant_id=tenant_id))


@job
def census(tenant_id, name):
    """Records the labels of the notes it can see (a tenant-scoped query)."""
    labels = sorted(db.session.scalars(select(Note.label)))
    db.session.add(Event(name=name, tenant_id=tenant_id, detail=",".join(labels)))


@job(global_job=True)
def census_all(tenant_id, name):
    labels = sorted(db.session.scalars(select(Note.label)))
    db.session.add(Event(name=name, tenant_id=tenant_id, detail=",".join(labels)))


@job(global_job=True)
def hourly(tenant_id):
    db.session.add(Event(name="hourly", tenant_id=tenant_id))


@job(global_job=True)
def nightly(tenant_id):
    db.session.add(Event(name="nightly", tenant_id=tenant_id))


EXTRA_JOBS = [
    record,
    slow_record,
    flaky,
    email_then_linger,
    census,
    census_all,
    PeriodicJob(job=hourly, every=timedelta(hours=1)),
    PeriodicJob(job=nightly, cron="0 4 * * *"),
]
JOBS_BY_NAME = {fn.__name__: fn for fn in (record, slow_record, flaky, census, census_all)}


def add_routes(app: Flask) -> None:
    @app.get("/_jobkit/enqueue")
    def jobkit_enqueue():
        """Enqueue ``job`` with ``name`` next to the request's own write; ``fail=1`` raises."""
        name = request.args["name"]
        row = enqueue(JOBS_BY_NAME[request.args.get("job", "record")], name)
        db.session.add(Event(name=f"{name}:request"))
        if request.args.get("fail"):
            raise RuntimeError("the request fails after enqueue")
        db.session.commit()
        return str(row.id)


def events(name: str) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.name == name).order_by(Event.id)))


def count(name: str) -> int:
    return db.session.scalar(select(func.count()).select_from(Event).where(Event.name == name))
