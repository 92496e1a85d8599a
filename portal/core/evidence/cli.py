"""``portal evidence``: check the archive's chains, add a proof by hand, purge past retention."""

from __future__ import annotations

import mimetypes
from pathlib import Path

import click
from flask.cli import with_appcontext

from portal.core.evidence import chain
from portal.core.tenants import tenant_directory
from portal.extensions import db


@click.group("evidence")
def evidence_group():
    """The evidence archive: proofs stored write-once in a hash chain per tenant."""


def _tenant(slug: str):
    tenant = tenant_directory().by_slug(slug)
    if tenant is None:
        raise click.ClickException(f"no tenant {slug!r}")
    return tenant


@evidence_group.command("verify")
@click.option("--tenant", "slug", help="Only this tenant's chain (default: every tenant).")
@with_appcontext
def verify_command(slug: str | None):
    """Check every chain and re-hash every stored file; exit 1 naming the first problem."""
    tenant_id = _tenant(slug).id if slug else None
    report = chain.verify(tenant_id)
    db.session.rollback()
    click.echo(f"{report.checked} records checked ({', '.join(report.tenants) or 'no tenant'})")
    for problem in report.problems:
        click.echo(f"FAILED {problem}", err=True)
    if not report.ok:
        raise SystemExit(1)
    click.echo("OK")


@evidence_group.command("add")
@click.option("--tenant", "slug", required=True, help="The tenant that keeps the proof.")
@click.option("--kind", required=True, help="Short code: signed_document, audit_trail, manual…")
@click.option("--note", help="Why it was added by hand.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def add_command(slug: str, kind: str, note: str | None, file: Path):
    """Store FILE as a proof of the tenant and print its record id."""
    tenant = _tenant(slug)
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    try:
        record = chain.add_proof(
            tenant.id, kind, file.read_bytes(), file.name, content_type, note=note
        )
    except chain.EvidenceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    record_id, sequence, digest = record.id, record.sequence, record.sha256
    db.session.commit()
    click.echo(f"{record_id}")
    click.echo(f"sequence {sequence}, sha256 {digest}", err=True)


@evidence_group.command("purge")
@click.option("--tenant", "slug", required=True)
@with_appcontext
def purge_command(slug: str):
    """Delete the tenant's proof files past retention; chain a purge record naming them."""
    record = chain.purge_expired(_tenant(slug).id)
    if record is None:
        db.session.rollback()
        click.echo("nothing to purge")
        return
    purged = len(record.details["purged"])
    record_id = record.id
    db.session.commit()
    click.echo(f"{purged} files purged, purge record {record_id}")
