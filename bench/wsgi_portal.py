"""WSGI entry of the benchmarked portal: the real app on a throwaway SQLite data folder.

Configured by the benchmark through the environment (``BENCH_DATA_DIR``); meant to be loaded
with ``gunicorn --preload`` so the schema and the demo tenants are created once, in the master.
"""

from __future__ import annotations

import os
from pathlib import Path

from portal import create_app
from portal.core.demo import load_demo
from portal.extensions import db

data_dir = Path(os.environ["BENCH_DATA_DIR"])
app = create_app(
    {
        "PORTAL_MODE": "development",  # the demo tenants with their sandboxes
        "PORTAL_DATA_DIR": str(data_dir),
        "PORTAL_STORAGE_PATH": str(data_dir / "files"),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{data_dir / 'portal.db'}",
        "PORTAL_REDIS_URL": None,
        "SECRET_KEY": "bench-only-secret",
    }
)
with app.app_context():
    load_demo(app)
    db.engine.dispose()  # no SQLite connection may cross the fork into the workers
