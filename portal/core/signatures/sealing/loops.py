"""pyHanko's synchronous calls run their own event loop (``asyncio.run``), which Python refuses
in a thread that already runs one: an async server's thread, or Playwright's synchronous API in
the browser tests. There they run in a short-lived thread that carries this one's context (the
app, the tenant scope), the caller waiting for the result."""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def outside_event_loops(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` in this thread, or in a helper thread when this one runs an event loop."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return fn(*args, **kwargs)
        context = contextvars.copy_context()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sealing") as pool:
            return pool.submit(context.run, fn, *args, **kwargs).result()

    return run
