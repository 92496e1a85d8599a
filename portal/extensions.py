"""Flask extensions, created unbound and attached in ``create_app``."""

from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from sqlalchemy import Enum, MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so that Alembic migrations are deterministic on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Session(FlaskSession):
    """The app's session: ``get()`` answers from the identity map only what the current tenant
    scope may see (``portal.core.tenants.scoping.visible_in_scope``)."""

    def get(self, entity, ident, **kwargs):
        # Imported here: the tenant wall's module imports this one.
        from portal.core.tenants.scoping import visible_in_scope

        found = super().get(entity, ident, **kwargs)
        return found if found is None or visible_in_scope(found) else None


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
csrf = CSRFProtect()


def str_enum(enum_class, length: int = 32) -> Enum:
    """A column type storing a StrEnum by value as a plain string (no native DB enum to migrate)."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )
