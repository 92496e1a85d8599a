"""Helpers of the signature-provider tests: the fixture files (webhook payloads recorded byte for
byte, with their signatures, and the request bodies Yousign expects)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
# The recorded payloads' event_time is 2026-12-04 09:30 UTC.
RECORDED_AT = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str):
    return json.loads(fixture_bytes(name))
