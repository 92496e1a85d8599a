"""Print the URL the PostgreSQL test pass connects with: a role that owns its test databases but
is no superuser, so row-level security applies to the whole suite as to a production role.

Created with the administrator URL given: CREATEDB for the throwaway databases, CREATEROLE for
the row-level security tests' outsider role, SET on ``session_replication_role`` for the row
cleanup (PostgreSQL 15 or later). Where that cannot be done or the role cannot log in, the
administrator URL is printed instead and the reason goes to stderr.
"""

import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROLE = "portal_test_owner"


def _connects(url) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            if url.username != ROLE:
                exists = conn.execute(
                    text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": ROLE}
                ).first()
                if exists is None:
                    conn.execute(
                        text(
                            f"CREATE ROLE {ROLE} LOGIN CREATEDB CREATEROLE NOSUPERUSER NOBYPASSRLS"
                        )
                    )
                conn.execute(text(f"GRANT SET ON PARAMETER session_replication_role TO {ROLE}"))
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()


def main(admin_url: str) -> int:
    url = make_url(admin_url)
    owner_url = url.set(username=ROLE, password=None)
    try:
        _connects(url)
        _connects(owner_url)
    except Exception as exc:  # noqa: BLE001 - any failure: run as the administrator
        reason = f"{exc.__class__.__name__}: {exc}".splitlines()[0]
        print(f"tests run as {url.username}, not as {ROLE}: {reason}", file=sys.stderr)
        print(admin_url)
        return 0
    print(owner_url.render_as_string(hide_password=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
