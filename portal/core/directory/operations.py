"""Keeping the directory: checking an entry's fields, creating, editing, (de)activating, and the
CSV import (a dry run listing each bad line and what would change, then the import in the
caller's transaction). Every change is audit-logged with the actor given (``audit.by_staff`` /
``audit.by_system``). Nothing here commits: the pipeline (or the caller) does, once."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import select

from portal.core import audit
from portal.core.directory.kinds import EntryKind
from portal.core.directory.models import DirectoryEntry
from portal.core.directory.search import compact_key, search_key
from portal.extensions import db

# The entry's fields an operator sets (the order of the form and of an audit's details).
FIELDS = (
    "name",
    "kind",
    "street",
    "complement",
    "postal_code",
    "city",
    "lre_email",
    "recipient_identified",
    "active",
)
LENGTHS = {
    "name": 200,
    "street": 200,
    "complement": 200,
    "postal_code": 10,
    "city": 100,
    "lre_email": 254,
}
POSTAL_CODE = re.compile(r"^[0-9]{5}$")

# The CSV file: its columns (header names) and the entry's field each one fills.
CSV_COLUMNS = {
    "nom": "name",
    "type": "kind",
    "adresse": "street",
    "complement": "complement",
    "code_postal": "postal_code",
    "ville": "city",
    "email_lre": "lre_email",
    "destinataire_identifie": "recipient_identified",
    "actif": "active",
}
CSV_REQUIRED = ("nom", "type", "adresse", "code_postal", "ville")
CSV_HEADER = ";".join(CSV_COLUMNS)
KIND_WORDS = {
    "assureur": EntryKind.INSURER,
    "insurer": EntryKind.INSURER,
    "compagnie": EntryKind.INSURER,
    "mutuelle": EntryKind.INSURER,
    "banque": EntryKind.BANK,
    "bank": EntryKind.BANK,
}
KIND_CSV = {EntryKind.INSURER: "assureur", EntryKind.BANK: "banque"}
YES = {"oui", "o", "1", "vrai", "yes", "true", "x"}
NO = {"non", "n", "0", "faux", "no", "false"}
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_LINES = 20_000


def clean(values: dict) -> dict:
    """The typed values trimmed (text), the postal code without spaces, the email lower-cased."""
    cleaned = {}
    for name in FIELDS:
        value = values.get(name)
        if name in ("recipient_identified", "active"):
            cleaned[name] = bool(value)
        elif name == "kind":
            cleaned[name] = value
        else:
            text = " ".join(str(value or "").split())
            if name == "postal_code":
                text = text.replace(" ", "")
            elif name == "lre_email":
                text = text.lower()
            cleaned[name] = text
    return cleaned


def check(values: dict, *, entry_id: int | None = None, duplicates: bool = True) -> dict[str, str]:
    """What is wrong with cleaned ``values`` (see :func:`clean`), in French, by field name; an
    empty dict when they may be saved (``entry_id``: the entry being edited; ``duplicates``:
    refuse the name of another entry of the kind)."""
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = _("Indiquez le nom.")
    elif not search_key(values["name"]):
        errors["name"] = _("Le nom doit contenir des lettres ou des chiffres.")
    try:
        kind = EntryKind(values["kind"])
    except ValueError:
        kind = None
        errors["kind"] = _("Choisissez assureur ou banque.")
    if not values["street"]:
        errors["street"] = _("Indiquez l'adresse postale.")
    if not values["postal_code"]:
        errors["postal_code"] = _("Indiquez le code postal.")
    elif not POSTAL_CODE.match(values["postal_code"]):
        errors["postal_code"] = _("Le code postal doit compter 5 chiffres.")
    if not values["city"]:
        errors["city"] = _("Indiquez la ville.")
    for name, limit in LENGTHS.items():
        if name not in errors and len(values[name]) > limit:
            errors[name] = _("%(num)d caractères au plus.", num=limit)
    if values["lre_email"] and "lre_email" not in errors:
        try:
            validate_email(values["lre_email"], check_deliverability=False)
        except EmailNotValidError:
            errors["lre_email"] = _("Cette adresse e-mail n'est pas valide.")
    if values["recipient_identified"] and not values["lre_email"] and "lre_email" not in errors:
        errors["lre_email"] = _(
            "Un destinataire identifié doit avoir une adresse de lettre recommandée électronique."
        )
    if duplicates and "name" not in errors and kind is not None:
        same = find_same(kind, values["name"])
        if same is not None and same.id != entry_id:
            errors["name"] = _(
                "L'annuaire contient déjà « %(name)s » (même nom, même type).", name=same.name
            )
    return errors


def find_same(kind: EntryKind, name: str) -> DirectoryEntry | None:
    """The current tenant's entry of ``kind`` whose folded name is that of ``name`` (active or
    not): an entry is known by its kind and folded name, spaces left out (« M.A.I.F » is
    « MAIF »)."""
    return db.session.scalar(
        select(DirectoryEntry).where(
            DirectoryEntry.kind == kind, DirectoryEntry.compact_key == compact_key(name)
        )
    )


def _details(entry: DirectoryEntry) -> dict:
    return {name: _plain(getattr(entry, name)) for name in FIELDS}


def _plain(value):
    return str(value) if isinstance(value, EntryKind) else value


def create_entry(values: dict, actor: dict, *, action: str = "directory.entry_created"):
    """A new entry of the current tenant from checked, cleaned ``values``; audit-logged."""
    entry = DirectoryEntry(**{**values, "kind": EntryKind(values["kind"])})
    db.session.add(entry)
    db.session.flush()
    audit.record(action, target=entry, **actor, **_details(entry))
    return entry


def update_entry(
    entry: DirectoryEntry, values: dict, actor: dict, *, action: str = "directory.entry_updated"
) -> list[str]:
    """Set checked, cleaned ``values`` on ``entry``; the names of the fields changed (audited with
    their old and new values when there are some)."""
    values = {**values, "kind": EntryKind(values["kind"])}
    changes = {}
    for name in FIELDS:
        old = getattr(entry, name)
        if old != values[name]:
            changes[name] = [_plain(old), _plain(values[name])]
            setattr(entry, name, values[name])
    if changes:
        db.session.flush()
        audit.record(action, target=entry, **actor, name=entry.name, changes=changes)
    return list(changes)


def set_active(entry: DirectoryEntry, active: bool, actor: dict) -> bool:
    """(De)activate ``entry``; whether it changed (audited when it did)."""
    if entry.active == active:
        return False
    entry.active = active
    action = "directory.entry_activated" if active else "directory.entry_deactivated"
    audit.record(action, target=entry, **actor, name=entry.name)
    return True


# --- CSV import -------------------------------------------------------------------------------


@dataclass
class PlannedLine:
    """A good line of the file and what importing it does: ``create``, ``update`` (``changes``:
    the fields that differ) or ``same`` (nothing)."""

    line: int
    values: dict
    action: str
    entry_id: int | None = None
    changes: list[str] = field(default_factory=list)


@dataclass
class ImportPlan:
    """A CSV file read: its problems (line number, what is wrong), its good lines."""

    problems: list[tuple[int, str]] = field(default_factory=list)
    lines: list[PlannedLine] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.lines)

    def count(self, action: str) -> int:
        return sum(1 for line in self.lines if line.action == action)


class ImportRefused(ValueError):
    """The file cannot be imported (it has bad lines, or none): nothing was written."""


LABELS = {
    "name": "nom",
    "kind": "type",
    "street": "adresse",
    "complement": "complement",
    "postal_code": "code_postal",
    "city": "ville",
    "lre_email": "email_lre",
    "recipient_identified": "destinataire_identifie",
    "active": "actif",
}


def read_csv(data: bytes | str) -> ImportPlan:
    """Read a directory CSV file (UTF-8, ``;`` or ``,`` separated, header of
    :data:`CSV_COLUMNS`) against the current tenant's directory; writes nothing."""
    plan = ImportPlan()
    if isinstance(data, bytes):
        if len(data) > MAX_IMPORT_BYTES:
            plan.problems.append((0, _("Le fichier dépasse 2 Mo : découpez-le.")))
            return plan
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            plan.problems.append(
                (0, _("Le fichier n'est pas en UTF-8 : enregistrez-le en « CSV UTF-8 »."))
            )
            return plan
    else:
        if len(data) > MAX_IMPORT_BYTES:
            plan.problems.append((0, _("Le fichier dépasse 2 Mo : découpez-le.")))
            return plan
        text = data.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        plan.problems.append((1, _("Le fichier est vide.")))
        return plan
    columns = [search_key(name).replace(" ", "_") for name in header]
    missing = [name for name in CSV_REQUIRED if name not in columns]
    unknown = [name for name, key in zip(header, columns, strict=True) if key not in CSV_COLUMNS]
    if missing or unknown:
        message = _("En-tête attendu : %(header)s.", header=CSV_HEADER)
        if missing:
            message += " " + _("Colonnes manquantes : %(names)s.", names=", ".join(missing))
        if unknown:
            message += " " + _("Colonnes inconnues : %(names)s.", names=", ".join(unknown))
        plan.problems.append((1, message))
        return plan
    seen: dict[tuple[EntryKind, str], int] = {}
    for row in reader:
        number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if number > MAX_IMPORT_LINES:
            plan.problems.append(
                (number, _("Trop de lignes : %(num)d au plus.", num=MAX_IMPORT_LINES))
            )
            break
        if len(row) != len(columns):
            plan.problems.append(
                (
                    number,
                    _(
                        "%(found)d colonnes au lieu de %(wanted)d (un « %(sep)s » en trop ou "
                        "manquant ?).",
                        found=len(row),
                        wanted=len(columns),
                        sep=delimiter,
                    ),
                )
            )
            continue
        _read_line(plan, number, dict(zip(columns, row, strict=True)), seen)
    if not plan.lines and not plan.problems:
        plan.problems.append((2, _("Le fichier ne contient aucune ligne à importer.")))
    return plan


def _read_line(plan: ImportPlan, number: int, cells: dict, seen: dict) -> None:
    problems = []
    raw = {CSV_COLUMNS[column]: value.strip() for column, value in cells.items()}
    kind = KIND_WORDS.get(search_key(raw.get("kind", "")))
    for name, default in (("recipient_identified", False), ("active", True)):
        word = search_key(raw.get(name, ""))
        if not word:
            raw[name] = default
        elif word in YES or word in NO:
            raw[name] = word in YES
        else:
            problems.append(
                _(
                    "%(column)s : « %(value)s » n'est ni oui ni non.",
                    column=LABELS[name],
                    value=raw[name],
                )
            )
            raw[name] = default
    values = clean(raw)
    values["kind"] = kind.value if kind else "?"
    errors = check(values, duplicates=False)  # a known entry is updated
    problems += [f"{LABELS[name]} : {message}" for name, message in errors.items()]
    if kind is not None and "name" not in errors and values["name"]:
        key = (kind, compact_key(values["name"]))
        if key in seen:
            problems.append(
                _("« %(name)s » figure déjà ligne %(line)d.", name=values["name"], line=seen[key])
            )
        else:
            seen[key] = number
    if problems:
        plan.problems.append((number, " ; ".join(problems)))
        return
    same = find_same(kind, values["name"])
    if same is None:
        plan.lines.append(PlannedLine(number, values, "create"))
        return
    changes = [
        name for name in FIELDS if getattr(same, name) != (kind if name == "kind" else values[name])
    ]
    plan.lines.append(
        PlannedLine(number, values, "update" if changes else "same", same.id, changes)
    )


def import_csv(data: bytes | str, actor: dict) -> ImportPlan:
    """Read the file again and apply it all (creations and updates, in the caller's transaction),
    or raise :class:`ImportRefused` without writing anything when a line is bad."""
    plan = read_csv(data)
    if not plan.ok:
        raise ImportRefused(_("Le fichier a des lignes en erreur : rien n'a été importé."))
    for line in plan.lines:
        if line.action == "create":
            create_entry(line.values, actor, action="directory.entry_imported")
        elif line.action == "update":
            entry = db.session.get(DirectoryEntry, line.entry_id)
            update_entry(entry, line.values, actor, action="directory.entry_import_updated")
    return plan


def export_csv(entries) -> str:
    """Entries as a CSV file the import reads back (``;`` separated, with its header)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow(
            [
                entry.name,
                KIND_CSV[entry.kind],
                entry.street,
                entry.complement,
                entry.postal_code,
                entry.city,
                entry.lre_email,
                "oui" if entry.recipient_identified else "non",
                "oui" if entry.active else "non",
            ]
        )
    return out.getvalue()
