"""A web process loads what its pages need: the libraries of migrations (Alembic), of the Redis
broker when jobs run in process, of PDFs, images, signatures, spreadsheets and outside services
are loaded where they are used, so that each of a production's web processes stays light
(bench/letter_export.py measures it)."""

from __future__ import annotations

import json
import subprocess
import sys

LOADED_ON_USE = [
    "alembic",  # `portal db`, the demo's and the tests' schema
    "redis",  # the broker, when PORTAL_REDIS_URL is set
    "cryptography",
    "weasyprint",
    "pypdf",
    "pypdfium2",
    "PIL",
    "pyhanko",
    "xlsxwriter",
    "boto3",
    "httpx",
]

SCRIPT = """
import json, sys, tempfile
from portal import create_app
folder = tempfile.mkdtemp()
create_app({
    "PORTAL_MODE": "development",
    "PORTAL_DATA_DIR": folder,
    "PORTAL_STORAGE_PATH": folder + "/files",
    "SQLALCHEMY_DATABASE_URI": "sqlite:///" + folder + "/portal.db",
    "PORTAL_REDIS_URL": None,
    "SECRET_KEY": "weight",
})
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_a_web_process_does_not_load_what_only_jobs_and_commands_use():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=True
    )
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert [name for name in LOADED_ON_USE if name in loaded] == []
