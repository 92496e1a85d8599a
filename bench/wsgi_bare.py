"""WSGI entry of the baseline: a bare Flask app answering one static HTML page.

The page is the portal's own tenant home page, captured by the benchmark (``BENCH_BARE_HTML``),
so both servers send the same bytes and only the work behind them differs.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

PAGE = Path(os.environ["BENCH_BARE_HTML"]).read_text(encoding="utf-8")

app = Flask(__name__)


@app.get("/")
def home():
    return PAGE, 200, {"Content-Type": "text/html; charset=utf-8"}
