"""Exit 0 when the PostgreSQL and Redis servers named on the command line answer."""

import sys

import redis
from sqlalchemy import create_engine, text


def main(pg_url: str, redis_url: str) -> int:
    try:
        engine = create_engine(pg_url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        print(f"not available: {exc.__class__.__name__}: {exc}".splitlines()[0], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
