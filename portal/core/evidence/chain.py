"""Adding proofs to a tenant's chain, checking the chains, purging past retention."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event, select, text
from sqlalchemy.exc import IntegrityError

from portal.core.clock import now, today
from portal.core.database import take_sqlite_write_lock
from portal.core.evidence.models import EvidenceCheck, EvidenceRecord
from portal.core.storage import storage, tenant_key
from portal.core.tenants import Tenant, tenant_directory, tenant_scope, unscoped
from portal.extensions import db

# What the first record of every tenant's chain names as its previous hash.
GENESIS_HASH = hashlib.sha256(b"portal evidence chain genesis v1").hexdigest()
PURGE = "purge"
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# pg_advisory_xact_lock(class, tenant id): appends to one tenant's chain wait for each other.
_LOCK_CLASS = 0x45564944
_ATTEMPTS = 5


class EvidenceError(ValueError):
    """A proof that cannot be archived (bad kind, an existing storage key…)."""


def canonical(record: EvidenceRecord) -> bytes:
    """The bytes ``record_hash`` is the SHA-256 of: every field but the id and the hash itself,
    as sorted, compact JSON (dates in ISO 8601, times in UTC with microseconds)."""
    fields = {
        "v": 1,
        "tenant_id": record.tenant_id,
        "sequence": record.sequence,
        "kind": record.kind,
        "storage_key": record.storage_key,
        "sha256": record.sha256,
        "size": record.size,
        "content_type": record.content_type,
        "filename": record.filename,
        "created_at": _utc(record.created_at),
        "retain_until": record.retain_until.isoformat() if record.retain_until else None,
        "subject_type": record.subject_type,
        "subject_id": record.subject_id,
        "note": record.note,
        "details": record.details or {},
        "previous_hash": record.previous_hash,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_hash(record: EvidenceRecord) -> str:
    return hashlib.sha256(canonical(record)).hexdigest()


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _lock(tenant_id: int) -> None:
    """Hold, until the caller's transaction ends, the right to append to the tenant's chain."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:cls, :tenant)"),
            {"cls": _LOCK_CLASS, "tenant": tenant_id},
        )
        return
    take_sqlite_write_lock("evidence_record")  # appenders queue behind each other


def _last(tenant_id: int) -> EvidenceRecord | None:
    return db.session.scalar(
        select(EvidenceRecord)
        .where(EvidenceRecord.tenant_id == tenant_id)
        .order_by(EvidenceRecord.sequence.desc())
        .limit(1)
    )


def _append(tenant_id: int, **values) -> EvidenceRecord:
    """Chain a new record after the tenant's last one. Two concurrent appends cannot take the
    same place: PostgreSQL serialises them with a lock, and the unique (tenant, sequence) makes
    a loser retry after the winner."""
    _lock(tenant_id)
    for attempt in range(_ATTEMPTS):
        last = _last(tenant_id)
        record = EvidenceRecord(
            tenant_id=tenant_id,
            sequence=(last.sequence + 1) if last else 1,
            previous_hash=last.record_hash if last else GENESIS_HASH,
            created_at=now(),
            **values,
        )
        record.record_hash = record_hash(record)
        savepoint = db.session.begin_nested()
        try:
            db.session.add(record)
            db.session.flush()
        except IntegrityError:
            savepoint.rollback()
            if attempt == _ATTEMPTS - 1:
                raise
            continue
        savepoint.commit()
        return record
    raise AssertionError("unreachable")


def add_proof(
    tenant_id: int,
    kind: str,
    data: bytes,
    filename: str,
    content_type: str = "application/octet-stream",
    subject=None,
    retain_days: int | None = None,
    note: str | None = None,
) -> EvidenceRecord:
    """Store ``data`` write-once and chain its record in the tenant's archive (the caller's
    transaction). ``subject``: the object the proof is about (its class name and id are kept) or
    a ``(type, id)`` pair. Kept ``retain_days``, else the tenant's ``[retention] proofs_days``."""
    if not _KIND.match(kind or "") or kind == PURGE:
        raise EvidenceError(f"invalid evidence kind {kind!r}")
    data = bytes(data)
    tenant = tenant_directory().get(tenant_id)
    if tenant is None:
        raise EvidenceError(f"no tenant {tenant_id}")
    days = retain_days if retain_days is not None else tenant.config.retention.proofs_days
    if isinstance(subject, tuple):
        subject_type, subject_id = subject
    elif subject is not None:
        subject_type, subject_id = type(subject).__name__, subject.id
    else:
        subject_type = subject_id = None
    key = tenant_key(tenant_id, "evidence", secrets.token_hex(16))
    store = storage()
    if store.exists(key):
        raise EvidenceError(f"refusing to overwrite the stored proof {key}")
    store.put(key, data, content_type)
    with tenant_scope(tenant_id):
        try:
            return _append(
                tenant_id,
                kind=kind,
                storage_key=key,
                sha256=hashlib.sha256(data).hexdigest(),
                size=len(data),
                content_type=content_type,
                filename=(filename or "")[:255] or None,
                retain_until=today(tenant) + timedelta(days=days),
                subject_type=subject_type,
                subject_id=subject_id,
                note=note,
                details={},
            )
        except Exception:
            store.delete(key)  # no record names it: it was never a proof
            raise


def _purged_ids(tenant_id: int) -> set[int]:
    ids: set[int] = set()
    for details in db.session.scalars(
        select(EvidenceRecord.details).where(
            EvidenceRecord.tenant_id == tenant_id, EvidenceRecord.kind == PURGE
        )
    ):
        ids.update(int(each) for each in (details or {}).get("purged", []))
    return ids


def purge_expired(tenant_id: int, on: date | None = None) -> EvidenceRecord | None:
    """Chain a ``purge`` record naming the proofs kept past their ``retain_until`` (None when
    nothing expired) and delete their files once the caller's transaction commits. The records
    stay: the chain still proves they existed."""
    tenant = tenant_directory().get(tenant_id)
    day = on or today(tenant)
    with tenant_scope(tenant_id):
        _lock(tenant_id)
        done = _purged_ids(tenant_id)
        expired = [
            record
            for record in db.session.scalars(
                select(EvidenceRecord)
                .where(
                    EvidenceRecord.tenant_id == tenant_id,
                    EvidenceRecord.storage_key.is_not(None),
                    EvidenceRecord.retain_until < day,
                )
                .order_by(EvidenceRecord.sequence)
            )
            if record.id not in done
        ]
        if not expired:
            return None
        purge = _append(
            tenant_id,
            kind=PURGE,
            storage_key=None,
            sha256=None,
            size=0,
            content_type=None,
            filename=None,
            retain_until=None,
            subject_type=None,
            subject_id=None,
            note=f"purged past retention on {day.isoformat()}",
            details={"purged": [record.id for record in expired]},
        )
        keys = [record.storage_key for record in expired]

        def delete_files(session) -> None:
            for key in keys:
                storage().delete(key)

        # Only once the purge record is committed: a rolled-back purge leaves every file.
        event.listen(db.session(), "after_commit", delete_files, once=True)
        return purge


# -- verification -------------------------------------------------------------------------------

MISSING_RECORD = "missing_record"
ALTERED_RECORD = "altered_record"
BROKEN_LINK = "broken_link"
ALTERED_FILE = "altered_file"
MISSING_FILE = "missing_file"


@dataclass(frozen=True)
class Problem:
    tenant_id: int
    tenant_slug: str
    code: str
    record_id: int
    sequence: int
    detail: str

    def __str__(self) -> str:
        return (
            f"{self.tenant_slug}: {self.code} at record id {self.record_id} "
            f"(sequence {self.sequence}): {self.detail}"
        )


@dataclass(frozen=True)
class Head:
    """The last record of a sound chain."""

    tenant_id: int
    record_id: int
    sequence: int
    record_hash: str


@dataclass
class Report:
    checked: int = 0
    tenants: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # the first one of each tenant
    heads: list[Head] = field(default_factory=list)  # of each sound, non-empty chain

    @property
    def ok(self) -> bool:
        return not self.problems


def _checkpoint(tenant_id: int) -> dict | None:
    """The head the last sound daily check reached (:class:`EvidenceCheck`): a chain cut short
    afterwards (its newest records deleted, no gap left) no longer reaches it."""
    row = db.session.execute(
        select(EvidenceCheck.record_id, EvidenceCheck.sequence, EvidenceCheck.record_hash)
        .where(EvidenceCheck.tenant_id == tenant_id, EvidenceCheck.sequence.is_not(None))
        .order_by(EvidenceCheck.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return {"record_id": row.record_id, "sequence": row.sequence, "hash": row.record_hash}


def _first_problem(tenant_id: int, slug: str) -> tuple[int, Problem | Head | None]:
    """(records checked, the first problem — else the chain's head, None when empty)."""
    checked = 0
    expected, previous = 1, GENESIS_HASH
    head = None
    checkpoint = _checkpoint(tenant_id) or {}
    purged = _purged_ids(tenant_id)
    store = storage()
    records = db.session.scalars(
        select(EvidenceRecord)
        .where(EvidenceRecord.tenant_id == tenant_id)
        .order_by(EvidenceRecord.sequence)
        .execution_options(yield_per=500)
    )
    for record in records:
        checked += 1

        def problem(code: str, detail: str, record=record) -> Problem:
            return Problem(tenant_id, slug, code, record.id, record.sequence, detail)

        if record.sequence != expected:
            gap = (
                f"sequence {expected}"
                if record.sequence == expected + 1
                else f"sequences {expected} to {record.sequence - 1}"
            )
            return checked, problem(MISSING_RECORD, f"{gap} missing before it (deleted record)")
        if record_hash(record) != record.record_hash:
            return checked, problem(ALTERED_RECORD, "its fields do not match its hash")
        if record.previous_hash != previous:
            return checked, problem(BROKEN_LINK, "it does not name the previous record's hash")
        if record.storage_key and record.id not in purged:
            try:
                data = store.read(record.storage_key)
            except FileNotFoundError:
                return checked, problem(MISSING_FILE, f"file {record.storage_key} is missing")
            if hashlib.sha256(data).hexdigest() != record.sha256:
                return checked, problem(
                    ALTERED_FILE, f"file {record.storage_key} does not match its SHA-256"
                )
        if record.sequence == checkpoint.get("sequence") and (
            record.record_hash != checkpoint.get("hash")
        ):
            return checked, problem(
                ALTERED_RECORD, "it is not the record an earlier check saw at this place"
            )
        expected, previous = expected + 1, record.record_hash
        head = Head(tenant_id, record.id, record.sequence, record.record_hash)
    if checkpoint.get("sequence", 0) >= expected:
        return checked, Problem(
            tenant_id,
            slug,
            MISSING_RECORD,
            checkpoint.get("record_id", 0),
            checkpoint["sequence"],
            f"the chain ends at sequence {expected - 1}, an earlier check saw sequence "
            f"{checkpoint['sequence']} (deleted records)",
        )
    return checked, head


def verify(tenant_id: int | None = None) -> Report:
    """Walk each tenant's chain (or one tenant's) in order: recompute every record's hash and
    link, re-hash every stored file not purged. Reports the records checked and the first
    problem of each tenant."""
    with unscoped():
        query = select(Tenant.id, Tenant.slug).order_by(Tenant.id)
        if tenant_id is not None:
            query = query.where(Tenant.id == tenant_id)
        tenants = db.session.execute(query).all()
    report = Report()
    for each_id, slug in tenants:
        with tenant_scope(each_id):
            checked, found = _first_problem(each_id, slug)
        report.checked += checked
        report.tenants.append(slug)
        if isinstance(found, Problem):
            report.problems.append(found)
        elif found is not None:
            report.heads.append(found)
    return report


def record_check(tenant_id: int, report: Report, *, alerted: bool = False) -> EvidenceCheck:
    """Keep the outcome of a check of ``tenant_id`` (its head, else its problem)."""
    tenant = tenant_directory().get(tenant_id)
    head = next((h for h in report.heads if h.tenant_id == tenant_id), None)
    problem = next((p for p in report.problems if p.tenant_id == tenant_id), None)
    with tenant_scope(tenant_id):
        check = EvidenceCheck(
            tenant_id=tenant_id,
            checked_at=now(),
            day=today(tenant),
            record_id=head.record_id if head else None,
            sequence=head.sequence if head else None,
            record_hash=head.record_hash if head else None,
            problem=str(problem) if problem else None,
            alerted=alerted,
        )
        db.session.add(check)
        db.session.flush()
        return check


def alerted_on(tenant_id: int, day: date) -> bool:
    with tenant_scope(tenant_id):
        return (
            db.session.scalar(
                select(EvidenceCheck.id)
                .where(
                    EvidenceCheck.tenant_id == tenant_id,
                    EvidenceCheck.day == day,
                    EvidenceCheck.alerted.is_(True),
                )
                .limit(1)
            )
            is not None
        )
