"""The evidence archive: a hash chain per tenant that notices a deleted record, an altered
record or file, survives a purge past retention, and answers on the command line."""

from __future__ import annotations

import hashlib
import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from portal.cli import cli
from portal.core import evidence
from portal.core.backoffice.models import StaffRole
from portal.core.clock import today
from portal.core.devbox.models import DevboxMessage
from portal.core.evidence.chain import GENESIS_HASH, record_hash
from portal.core.evidence.jobs import verify_evidence
from portal.core.storage import storage
from portal.core.tenants import tenant_directory, tenant_scope, unscoped
from portal.extensions import db


@pytest.fixture
def add(app, tenant_ids):
    """``add("resilimo", b"...")`` → (record id, sequence, storage key), committed."""

    def add(slug, data, kind="signed_document", **kwargs):
        with app.app_context():
            record = evidence.add_proof(
                tenant_ids[slug], kind, data, "preuve.pdf", "application/pdf", **kwargs
            )
            found = (record.id, record.sequence, record.storage_key)
            db.session.commit()
            return found

    return add


@pytest.fixture
def run_cli(app):
    info = ScriptInfo(create_app=lambda: app)
    return lambda *args: CliRunner().invoke(cli, ["evidence", *args], obj=info)


@contextmanager
def superuser(app):
    """A raw connection that bypasses the append-only triggers, as a database superuser would."""
    with app.app_context(), unscoped(), db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            yield conn
            return
        triggers = conn.execute(
            text("SELECT name, sql FROM sqlite_master WHERE name LIKE 'evidence_record_no_%'")
        ).all()
        for name, _ in triggers:
            conn.execute(text(f'DROP TRIGGER "{name}"'))
        yield conn
        for _, sql in triggers:
            conn.execute(text(sql))


def chain_of(app, tenant_id):
    with app.app_context(), tenant_scope(tenant_id):
        return [
            (r.id, r.sequence, r.kind, r.previous_hash, r.record_hash, r.retain_until)
            for r in db.session.scalars(
                select(evidence.EvidenceRecord).order_by(evidence.EvidenceRecord.sequence)
            )
        ]


def test_proofs_are_chained_kept_seven_years_and_verified(app, add, tenant_ids):
    first = add("resilimo", b"%PDF-1 mandat signe")
    second = add("resilimo", b"%PDF-1 piste d'audit", kind="audit_trail")
    chain = chain_of(app, tenant_ids["resilimo"])
    assert [(s, k) for _, s, k, *_ in chain] == [(1, "signed_document"), (2, "audit_trail")]
    assert chain[0][3] == GENESIS_HASH
    assert chain[1][3] == chain[0][4]  # each record names the previous record's hash
    with app.app_context():
        tenant = tenant_directory().get(tenant_ids["resilimo"])
        assert chain[0][5] == today(tenant) + timedelta(days=7 * 365)
        assert storage().read(first[2]) == b"%PDF-1 mandat signe"
        with tenant_scope(tenant_ids["resilimo"]):
            record = db.session.get(evidence.EvidenceRecord, second[0])
            assert record.sha256 == hashlib.sha256(b"%PDF-1 piste d'audit").hexdigest()
            assert record_hash(record) == record.record_hash
        report = evidence.verify(tenant_ids["resilimo"])
    assert report.ok and report.checked == 2


def test_the_archive_refuses_changes_from_the_app(app, add, tenant_ids):
    record_id, *_ = add("resilimo", b"original")
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        record = db.session.get(evidence.EvidenceRecord, record_id)
        record.note = "changed"
        with pytest.raises(evidence.EvidenceIsAppendOnly):
            db.session.flush()
        db.session.rollback()
    with (
        app.app_context(),
        tenant_scope(tenant_ids["resilimo"]),
        pytest.raises(DBAPIError, match="append-only"),
        db.engine.begin() as conn,
    ):  # the database refuses too
        conn.execute(text("DELETE FROM evidence_record"))


def test_an_altered_file_is_named(app, add, tenant_ids, run_cli):
    add("resilimo", b"one")
    altered_id, _, key = add("resilimo", b"two")
    add("resilimo", b"three")
    with app.app_context():
        storage().put(key, b"tw0")
    result = run_cli("verify", "--tenant", "resilimo")
    assert result.exit_code == 1
    assert "2 records checked" in result.output
    assert f"altered_file at record id {altered_id} (sequence 2)" in result.output


def test_a_missing_file_is_named(app, add, tenant_ids):
    record_id, _, key = add("resilimo", b"one")
    with app.app_context():
        storage().delete(key)
        report = evidence.verify(tenant_ids["resilimo"])
    assert [(p.code, p.record_id) for p in report.problems] == [("missing_file", record_id)]


def test_a_deleted_record_leaves_a_gap_that_is_named(app, add, tenant_ids, run_cli):
    add("resilimo", b"one")
    deleted_id, *_ = add("resilimo", b"two")
    after_id, *_ = add("resilimo", b"three")
    with superuser(app) as conn:
        conn.execute(text("DELETE FROM evidence_record WHERE id = :id"), {"id": deleted_id})
    result = run_cli("verify", "--tenant", "resilimo")
    assert result.exit_code == 1
    assert f"missing_record at record id {after_id} (sequence 3)" in result.output
    assert "sequence 2 missing before it (deleted record)" in result.output


def test_an_altered_record_is_named(app, add, tenant_ids):
    add("resilimo", b"one")
    altered_id, *_ = add("resilimo", b"two")
    add("resilimo", b"three")
    with superuser(app) as conn:
        conn.execute(
            text("UPDATE evidence_record SET retain_until = :day WHERE id = :id"),
            {"day": "2020-01-01", "id": altered_id},
        )
    with app.app_context():
        report = evidence.verify(tenant_ids["resilimo"])
    assert [(p.code, p.record_id, p.sequence) for p in report.problems] == [
        ("altered_record", altered_id, 2)
    ]


def test_a_rehashed_altered_record_breaks_the_next_link(app, add, tenant_ids):
    add("resilimo", b"one")
    forged_id, *_ = add("resilimo", b"two")
    next_id, *_ = add("resilimo", b"three")
    with superuser(app) as conn:
        conn.execute(
            text("UPDATE evidence_record SET note = 'forged' WHERE id = :id"), {"id": forged_id}
        )
    with app.app_context():
        report = evidence.verify(tenant_ids["resilimo"])
    assert [(p.code, p.record_id) for p in report.problems] == [("altered_record", forged_id)]
    # A forger who also recomputes the altered record's own hash breaks the next link.
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        forged = record_hash(db.session.get(evidence.EvidenceRecord, forged_id))
    with superuser(app) as conn:
        conn.execute(
            text("UPDATE evidence_record SET record_hash = :h WHERE id = :id"),
            {"h": forged, "id": forged_id},
        )
    with app.app_context():
        report = evidence.verify(tenant_ids["resilimo"])
    assert [(p.code, p.record_id, p.sequence) for p in report.problems] == [
        ("broken_link", next_id, 3)
    ]


def test_cli_verify_passes_and_add_prints_the_record_id(app, tenant_ids, run_cli, tmp_path):
    proof = tmp_path / "import.pdf"
    proof.write_bytes(b"%PDF-1 import")
    added = run_cli("add", "--tenant", "msr", "--kind", "manual", str(proof))
    assert added.exit_code == 0, added.output
    record_id = int(added.stdout.strip())
    with app.app_context(), tenant_scope(tenant_ids["msr"]):
        record = db.session.get(evidence.EvidenceRecord, record_id)
        assert (record.kind, record.filename, record.content_type) == (
            "manual",
            "import.pdf",
            "application/pdf",
        )
    result = run_cli("verify")
    assert result.exit_code == 0, result.output
    assert "1 records checked" in result.output and "OK" in result.output
    assert run_cli("add", "--tenant", "msr", "--kind", "Bad Kind", str(proof)).exit_code == 1
    assert run_cli("verify", "--tenant", "nowhere").exit_code == 1


def test_a_purge_is_a_chained_record_and_verify_skips_the_purged_files(
    app, add, tenant_ids, run_cli
):
    old_id, _, old_key = add("resilimo", b"old", retain_days=0)
    kept_id, _, kept_key = add("resilimo", b"kept")
    with app.app_context():
        tenant = tenant_directory().get(tenant_ids["resilimo"])
        purge = evidence.purge_expired(tenant.id, on=today(tenant) + timedelta(days=1))
        purge_id = purge.id
        assert purge.details == {"purged": [old_id]} and purge.kind == "purge"
        db.session.commit()
        assert not storage().exists(old_key) and storage().exists(kept_key)
        again = evidence.purge_expired(tenant.id, on=today(tenant) + timedelta(days=1))
        assert again is None  # already purged
    chain = chain_of(app, tenant_ids["resilimo"])
    assert chain[-1][0] == purge_id and chain[-1][1] == 3 and chain[-1][3] == chain[1][4]
    result = run_cli("verify", "--tenant", "resilimo")
    assert result.exit_code == 0, result.output
    assert "3 records checked" in result.output


def test_tenants_are_walls(app, add, tenant_ids, run_cli):
    add("resilimo", b"r1")
    add("msr", b"m1")
    add("resilimo", b"r2")
    resilimo = chain_of(app, tenant_ids["resilimo"])
    msr = chain_of(app, tenant_ids["msr"])
    assert [s for _, s, *_ in resilimo] == [1, 2] and [s for _, s, *_ in msr] == [1]
    assert msr[0][3] == GENESIS_HASH
    with app.app_context(), tenant_scope(tenant_ids["msr"]):
        assert db.session.get(evidence.EvidenceRecord, resilimo[0][0]) is None
    with superuser(app) as conn:
        conn.execute(text("DELETE FROM evidence_record WHERE id = :id"), {"id": resilimo[0][0]})
    assert run_cli("verify", "--tenant", "msr").exit_code == 0
    broken = run_cli("verify")
    assert broken.exit_code == 1
    assert "resilimo: missing_record" in broken.output and "msr:" not in broken.output


def test_the_daily_job_alerts_the_admins_once_a_day(app, add, tenant_ids, make_staff):
    make_staff(role=StaffRole.ADMIN, email="chef@plateforme.test")
    make_staff(role=StaffRole.SUPPORT, email="support@plateforme.test")
    _, _, key = add("resilimo", b"one")
    with app.app_context():
        verify_evidence()
        db.session.commit()

    def alerts():
        with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
            return db.session.scalars(
                select(DevboxMessage).where(DevboxMessage.subject.contains("preuves"))
            ).all()

    assert alerts() == []  # a sound chain: no email
    with app.app_context():
        storage().put(key, b"0ne")
        verify_evidence()
        db.session.commit()
        verify_evidence()  # the same day: not again
        db.session.commit()
    sent = alerts()
    assert len(sent) == 1
    assert sent[0].recipients == "chef@plateforme.test"
    assert "altered_file" in sent[0].body_text


def test_an_append_that_lost_its_place_retries_after_the_winner(app, add, tenant_ids, monkeypatch):
    from portal.core.evidence import chain

    add("resilimo", b"winner")
    stale = iter([None])  # the first look at the chain misses the winner's record
    real_last = chain._last
    monkeypatch.setattr(chain, "_last", lambda tid: next(stale, real_last(tid)))
    _, sequence, _ = add("resilimo", b"loser")
    assert sequence == 2
    with app.app_context():
        assert evidence.verify(tenant_ids["resilimo"]).ok


def test_concurrent_appends_each_take_their_own_place(app, add, tenant_ids):
    errors = []

    def worker(label):
        try:
            for n in range(4):
                add("resilimo", f"{label}-{n}".encode())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(label,)) for label in "abc"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [s for _, s, *_ in chain_of(app, tenant_ids["resilimo"])] == list(range(1, 13))
    with app.app_context():
        report = evidence.verify(tenant_ids["resilimo"])
    assert report.ok and report.checked == 12


def test_records_deleted_from_the_end_are_named_after_a_daily_check(app, add, tenant_ids):
    add("resilimo", b"one")
    last_id, *_ = add("resilimo", b"two")
    with app.app_context():
        verify_evidence()  # remembers the head: sequence 2
        db.session.commit()
    with superuser(app) as conn:
        conn.execute(text("DELETE FROM evidence_record WHERE id = :id"), {"id": last_id})
    with app.app_context():
        report = evidence.verify(tenant_ids["resilimo"])
    assert [(p.code, p.record_id, p.sequence) for p in report.problems] == [
        ("missing_record", last_id, 2)
    ]
    assert "the chain ends at sequence 1" in report.problems[0].detail


def test_a_rolled_back_purge_keeps_the_files(app, add, tenant_ids):
    _, _, key = add("resilimo", b"old", retain_days=0)
    with app.app_context():
        tenant = tenant_directory().get(tenant_ids["resilimo"])
        assert evidence.purge_expired(tenant.id, on=today(tenant) + timedelta(days=1))
        db.session.rollback()
        assert storage().exists(key)
        report = evidence.verify(tenant.id)
    assert report.ok and report.checked == 1


def test_a_proof_is_part_of_the_callers_transaction(app, tenant_ids):
    with app.app_context():
        evidence.add_proof(tenant_ids["resilimo"], "manual", b"x", "x.txt", "text/plain")
        db.session.rollback()
        report = evidence.verify(tenant_ids["resilimo"])
    assert report.ok and report.checked == 0


def test_the_daily_purge_removes_what_retention_no_longer_covers(app, add, tenant_ids, monkeypatch):
    from portal.core import clock
    from portal.core.evidence.jobs import purge_expired_evidence

    _, _, old_key = add("msr", b"old", retain_days=0)
    _, _, kept_key = add("msr", b"kept")
    with app.app_context():
        purge_expired_evidence()  # retain_until is today: still kept
        db.session.commit()
        assert storage().exists(old_key)
    real = clock.now
    monkeypatch.setattr(clock, "now", lambda: real() + timedelta(days=1))
    with app.app_context():
        purge_expired_evidence()
        db.session.commit()
        assert not storage().exists(old_key) and storage().exists(kept_key)
    assert [k for _, _, k, *_ in chain_of(app, tenant_ids["msr"])] == [
        "signed_document",
        "signed_document",
        "purge",
    ]
