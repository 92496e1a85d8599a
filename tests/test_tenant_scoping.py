"""The wall between tenants: automatic scoping of every tenant-owned model."""

from __future__ import annotations

import pytest
from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.exc import ObjectDeletedError

from portal.core.tenants import Tenant, TenantScoped, TenantScopeError, tenant_scope, unscoped
from portal.extensions import db


class _ScratchModel(db.Model):
    """Test-only tables, kept out of the application's metadata (and its migrations)."""

    __abstract__ = True
    metadata = MetaData()


# The scratch tables point at the real ``tenant`` table: declare it here so the foreign keys
# resolve, but only the scratch tables are created and dropped.
Table("tenant", _ScratchModel.metadata, Column("id", Integer, primary_key=True))


class Folder(TenantScoped, _ScratchModel):
    __tablename__ = "scratch_folder"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(50))
    notes: Mapped[list[Note]] = relationship(back_populates="folder")


class Note(TenantScoped, _ScratchModel):
    __tablename__ = "scratch_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    folder_id: Mapped[int | None] = mapped_column(ForeignKey("scratch_folder.id"))
    text: Mapped[str] = mapped_column(String(50))
    folder: Mapped[Folder | None] = relationship(back_populates="notes")


SCRATCH_TABLES = [Folder.__table__, Note.__table__]


@pytest.fixture
def scratch(app, tenant_ids):
    """Two tenants with one folder and two notes each."""
    with app.app_context():
        _ScratchModel.metadata.create_all(db.engine, tables=SCRATCH_TABLES)
        ids = {}
        for slug in ("resilimo", "msr"):
            with tenant_scope(tenant_ids[slug]):
                folder = Folder(title=f"{slug} folder")
                db.session.add(folder)
                db.session.add_all(
                    [Note(text=f"{slug} 1", folder=folder), Note(text=f"{slug} 2", folder=folder)]
                )
                db.session.commit()
                ids[slug] = {"folder": folder.id, "notes": [n.id for n in folder.notes]}
        db.session.remove()
        yield ids
        db.session.rollback()
        with unscoped():
            db.session.execute(delete(Note))
            db.session.execute(delete(Folder))
            db.session.commit()
        db.session.remove()
        _ScratchModel.metadata.drop_all(db.engine, tables=SCRATCH_TABLES)


def test_a_query_only_returns_the_active_tenants_rows(app, scratch, tenant_ids):
    with app.app_context(), tenant_scope(tenant_ids["msr"]):
        texts = db.session.scalars(select(Note.text).order_by(Note.text)).all()
        assert texts == ["msr 1", "msr 2"]
        foreign_id = scratch["resilimo"]["notes"][0]
        assert db.session.scalar(select(Note).where(Note.id == foreign_id)) is None
        assert db.session.get(Note, foreign_id) is None
        assert db.session.scalar(select(func.count()).select_from(Note)) == 2


def test_joins_and_relationships_stay_in_the_tenant(app, scratch, tenant_ids):
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        rows = db.session.execute(select(Folder.title, Note.text).join(Note.folder)).all()
        assert {title for title, _ in rows} == {"resilimo folder"}
        folder = db.session.scalars(select(Folder)).one()
        assert sorted(n.text for n in folder.notes) == ["resilimo 1", "resilimo 2"]
        # A join from a global table does not leak other tenants' rows either.
        joined = db.session.execute(
            select(Tenant.slug, Note.text).join(Note, Note.tenant_id == Tenant.id)
        ).all()
        assert {slug for slug, _ in joined} == {"resilimo"}


def test_updates_and_deletes_cannot_reach_another_tenant(app, scratch, tenant_ids):
    foreign_id = scratch["resilimo"]["notes"][0]
    with app.app_context():
        with tenant_scope(tenant_ids["msr"]):
            db.session.execute(update(Note).where(Note.id == foreign_id).values(text="hacked"))
            db.session.execute(delete(Note).where(Note.id == foreign_id))
            db.session.commit()
        with tenant_scope(tenant_ids["resilimo"]):
            assert db.session.get(Note, foreign_id).text == "resilimo 1"


def test_rows_are_stamped_and_cannot_be_written_for_another_tenant(app, scratch, tenant_ids):
    with app.app_context(), tenant_scope(tenant_ids["msr"]):
        note = Note(text="new")
        db.session.add(note)
        db.session.commit()
        assert note.tenant_id == tenant_ids["msr"]
        db.session.add(Note(text="smuggled", tenant_id=tenant_ids["resilimo"]))
        with pytest.raises(TenantScopeError):
            db.session.flush()
        db.session.rollback()


def test_a_row_of_another_tenant_cannot_be_modified_even_if_held(app, scratch, tenant_ids):
    with app.app_context():
        with tenant_scope(tenant_ids["resilimo"]):
            note = db.session.scalars(select(Note)).first()
        with tenant_scope(tenant_ids["msr"]):
            note.text = "changed from msr"
            with pytest.raises(TenantScopeError):
                db.session.flush()
            db.session.rollback()


def test_no_active_tenant_raises_instead_of_returning_everything(app, scratch):
    with app.app_context():
        with pytest.raises(TenantScopeError):
            db.session.scalars(select(Note)).all()
        db.session.add(Note(text="orphan"))
        with pytest.raises(TenantScopeError):
            db.session.flush()
        db.session.rollback()


def test_unscoped_is_explicit_and_sees_every_tenant(app, scratch):
    with app.app_context(), unscoped():
        assert db.session.scalar(select(func.count()).select_from(Note)) == 4


# -- side doors: each of these read or wrote another tenant's rows before the wall covered it ----


def test_a_core_select_of_a_tenant_owned_table_is_refused(app, scratch, tenant_ids):
    with app.app_context(), tenant_scope(tenant_ids["msr"]):
        with pytest.raises(TenantScopeError):
            db.session.execute(select(Note.__table__.c.text)).all()
        with pytest.raises(TenantScopeError):
            db.session.execute(select(Folder.title).join(Note.__table__)).all()


def test_a_core_update_of_a_tenant_owned_table_is_refused(app, scratch, tenant_ids):
    foreign_id = scratch["resilimo"]["notes"][0]
    with app.app_context():
        with tenant_scope(tenant_ids["msr"]):
            with pytest.raises(TenantScopeError):
                db.session.execute(
                    update(Note.__table__).where(Note.id == foreign_id).values(text="hacked")
                )
            db.session.rollback()
        with tenant_scope(tenant_ids["resilimo"]):
            assert db.session.get(Note, foreign_id).text == "resilimo 1"


def test_counting_with_no_active_tenant_raises_instead_of_answering_zero(app, scratch):
    with app.app_context():
        with pytest.raises(TenantScopeError):
            db.session.scalar(select(func.count()).select_from(Note))
        with pytest.raises(TenantScopeError):
            db.session.scalar(select(func.count(Note.id)))


def test_a_bulk_insert_is_stamped_and_cannot_carry_another_tenant(app, scratch, tenant_ids):
    with app.app_context(), tenant_scope(tenant_ids["msr"]):
        with pytest.raises(TenantScopeError):
            db.session.execute(
                insert(Note), [{"text": "smuggled", "tenant_id": tenant_ids["resilimo"]}]
            )
        db.session.rollback()
        with pytest.raises(TenantScopeError):
            db.session.execute(
                insert(Note).values(text="smuggled", tenant_id=tenant_ids["resilimo"])
            )
        db.session.rollback()
        db.session.execute(insert(Note), [{"text": "bulk 1"}, {"text": "bulk 2"}])
        db.session.execute(insert(Note).values(text="bulk 3"))
        db.session.commit()
    with app.app_context(), unscoped():
        stamped = db.session.scalars(select(Note.tenant_id).where(Note.text.like("bulk%"))).all()
        assert stamped == [tenant_ids["msr"]] * 3


def test_a_bulk_update_cannot_move_rows_to_another_tenant(app, scratch, tenant_ids):
    with app.app_context(), tenant_scope(tenant_ids["msr"]):
        with pytest.raises(TenantScopeError):
            db.session.execute(update(Note).values(tenant_id=tenant_ids["resilimo"]))
        db.session.rollback()


def test_get_does_not_answer_from_the_identity_map_across_scopes(app, scratch, tenant_ids):
    foreign_id = scratch["resilimo"]["notes"][0]
    with app.app_context():
        with tenant_scope(tenant_ids["resilimo"]):
            held = db.session.get(Note, foreign_id)  # kept: the identity map holds weak references
            assert held is not None
        with tenant_scope(tenant_ids["msr"]):
            assert db.session.get(Note, foreign_id) is None
        with tenant_scope(tenant_ids["resilimo"]):
            assert db.session.get(Note, foreign_id).text == "resilimo 1"


def test_an_expired_object_is_not_refreshed_in_another_scope(app, scratch, tenant_ids):
    with app.app_context():
        with tenant_scope(tenant_ids["resilimo"]):
            note = db.session.scalars(select(Note).order_by(Note.id)).first()
            db.session.expire(note)
        # The refresh carries the scope's criterion: from msr the row is not there.
        with tenant_scope(tenant_ids["msr"]), pytest.raises(ObjectDeletedError):
            note.text  # noqa: B018 - the attribute access is the refresh
        db.session.rollback()
        with tenant_scope(tenant_ids["resilimo"]):
            assert note.text == "resilimo 1"


def test_a_bulk_update_by_primary_key_cannot_reach_another_tenant(app, scratch, tenant_ids):
    foreign_id = scratch["resilimo"]["notes"][0]
    with app.app_context():
        with tenant_scope(tenant_ids["msr"]):
            db.session.execute(
                update(Note).execution_options(synchronize_session=None),
                [{"id": foreign_id, "text": "hacked"}],
            )
            db.session.commit()
        with tenant_scope(tenant_ids["resilimo"]):
            assert db.session.get(Note, foreign_id).text == "resilimo 1"
