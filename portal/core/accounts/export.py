"""The account's history as one ZIP file: what the holder downloads before the account closes
(and may download at any time).

Contents: ``account.csv``, ``profiles.csv``, ``documents.csv`` and the stored files of the
professional documents under ``documents/``; plugins add theirs through the
``account_export_files`` hook once the core offers it. Only rows of the given account are read
(queries are tenant-scoped, and filtered on the account).
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from werkzeug.utils import secure_filename

from portal.core.accounts.models import Account
from portal.core.accounts.validators import display_phone
from portal.core.plugins import current_plugins
from portal.core.storage import storage
from portal.core.tenants import current_tenant
from portal.core.verification.models import ProfessionalDocument
from portal.extensions import db

SPOOL_BYTES = 16 * 1024 * 1024  # beyond this the archive is built on disk, not in memory


@dataclass(frozen=True)
class ExportFile:
    """One file of the archive: its path inside the ZIP and its content."""

    path: str
    data: bytes


def csv_bytes(header: list[str], rows: Iterable[Iterable]) -> bytes:
    """CSV as French spreadsheets open it: ``;``-separated, UTF-8 with a byte-order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, int | float):
        return str(value)  # a number, negative ones included, stays a number
    text = str(value)
    # A cell starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def account_files(account: Account) -> list[ExportFile]:
    """The core's part of the archive."""
    files = [
        ExportFile(
            "account.csv",
            csv_bytes(
                ["champ", "valeur"],
                [
                    ("email", account.email),
                    ("prenom", account.first_name),
                    ("nom", account.last_name),
                    ("nom_commercial", account.commercial_name),
                    ("orias", account.orias),
                    ("siren", account.siren),
                    ("categorie", account.category),
                    ("affiliation", account.affiliation),
                    ("adresse", account.address),
                    ("complement_adresse", account.address2),
                    ("code_postal", account.postal_code),
                    ("ville", account.city),
                    ("pays", account.country),
                    ("telephone", display_phone(account.phone)),
                    ("telephone_portable", display_phone(account.mobile)),
                    ("lignes_entete", " | ".join(account.letterhead_lines or [])),
                    ("statut", account.status.value),
                    ("cree_le", account.created_at),
                    ("active_le", account.activated_at),
                    ("cloture_demandee_le", account.closure_requested_at),
                ],
            ),
        ),
        ExportFile(
            "profiles.csv",
            csv_bytes(
                ["id", "nom", "email", "telephone", "telephone_portable", "etat", "titulaire"],
                [
                    (
                        p.id,
                        p.name,
                        p.email,
                        display_phone(p.phone),
                        display_phone(p.mobile),
                        "ACTIF" if p.active else "INACTIF",
                        "oui" if p.is_holder else "non",
                    )
                    for p in account.profiles
                ],
            ),
        ),
    ]
    documents = db.session.scalars(
        select(ProfessionalDocument)
        .where(ProfessionalDocument.account_id == account.id)
        .order_by(ProfessionalDocument.id)
    ).all()
    rows, store = [], storage()
    for document in documents:
        path = f"documents/{document.id}-{secure_filename(document.filename) or 'document'}"
        try:
            files.append(ExportFile(path, store.read(document.storage_key)))
        except FileNotFoundError:
            path = ""  # listed, but its file is gone
        rows.append(
            (
                document.id,
                document.kind.value,
                document.filename,
                document.status.value,
                document.expires_on,
                document.created_at,
                path,
            )
        )
    files.append(
        ExportFile(
            "documents.csv",
            csv_bytes(
                ["id", "type", "nom_du_fichier", "statut", "expire_le", "depose_le", "fichier"],
                rows,
            ),
        )
    )
    return files


def build_export(account: Account):
    """The ZIP archive as a binary file object positioned at its start (the caller closes it)."""
    files = account_files(account)
    plugins = current_plugins()
    files += plugins.collect("account_export_files", tenant=current_tenant(), account=account)
    archive = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - returned
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for item in files:
            zipped.writestr(item.path, item.data)
    archive.seek(0)
    return archive


def export_filename(account: Account, today: datetime) -> str:
    return f"compte-{account.id}-{today:%Y-%m-%d}.zip"
