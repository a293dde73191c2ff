"""A small closed-loop load generator: N client threads, each with one keep-alive connection.

Threads suffice: a client thread spends its time waiting for the server, with the GIL released.
The generator measures its own cost (CPU seconds of this process per request) so that a report
can show that the client was not the bottleneck.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.common import percentile


@dataclass
class LoadResult:
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""
    client_cpu: float = 0.0

    @property
    def done(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    def summary(self) -> dict[str, Any]:
        ms = [x * 1000 for x in self.latencies]
        return {
            "clients": self.clients,
            "requests": self.done,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "rate": self.rate,
            "p50_ms": percentile(ms, 50),
            "p95_ms": percentile(ms, 95),
            "p99_ms": percentile(ms, 99),
            "client_cpu_ms_per_request": self.client_cpu / self.done * 1000 if self.done else None,
            "first_error": self.first_error,
        }


def closed_loop(
    *,
    clients: int,
    seconds: float,
    make_client: Callable[[int], Callable[[int], tuple[bool, str]]],
    max_requests: int | None = None,
) -> LoadResult:
    """Each client does one warm-up call, then all call in a loop for ``seconds``.

    ``make_client(c)`` returns ``call(i) -> (ok, error_text)`` for client ``c``'s i-th call; it
    is built in the client's own thread (its own connection).
    """
    result = LoadResult(clients=clients, seconds=0.0)
    lock = threading.Lock()
    deadline = [0.0]
    clock: dict[str, float] = {}

    def start_clock() -> None:
        """Run by the barrier before it releases anyone: no client can read the deadline
        before it is set (a client that did saw 0 and stopped at once)."""
        clock["cpu"], clock["started"] = time.process_time(), time.perf_counter()
        deadline[0] = clock["started"] + seconds

    ready = threading.Barrier(clients + 1, action=start_clock)
    budget = [max_requests if max_requests is not None else float("inf")]

    def attempt(call: Callable[[int], tuple[bool, str]], i: int) -> tuple[bool, str]:
        try:
            return call(i)
        except Exception as exc:  # a failed call is counted and named, never a dead client
            return False, repr(exc)

    def run(c: int) -> None:
        call: Callable[[int], tuple[bool, str]] | None = None
        try:
            call = make_client(c)
            warm = attempt(call, 0)  # warm-up: the connection, the worker's first request
        except Exception as exc:
            warm = (False, repr(exc))
        finally:
            ready.wait()
        i = 1
        mine: list[float] = []
        errors, first = (0, "") if warm[0] else (1, f"warm-up: {warm[1]}")
        while call is not None and time.perf_counter() < deadline[0]:
            with lock:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
            started = time.perf_counter()
            ok, text = attempt(call, i)
            elapsed = time.perf_counter() - started
            i += 1
            if ok:
                mine.append(elapsed)
            else:
                errors += 1
                first = first or text
        with lock:
            result.latencies += mine
            result.errors += errors
            result.first_error = result.first_error or first

    threads = [threading.Thread(target=run, args=(c,), daemon=True) for c in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - clock["started"]
    result.client_cpu = time.process_time() - clock["cpu"]
    return result


def http_poster(
    port: int, path: str, headers: dict[str, str], body: Callable[[int], bytes], expect: int
) -> Callable[[int], tuple[bool, str]]:
    """POSTs ``body(i)`` on one keep-alive connection (re-opened if the server closes it)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(i: int) -> tuple[bool, str]:
        try:
            connection.request("POST", path, body=body(i), headers=headers)
            response = connection.getresponse()
            text = response.read()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            return False, repr(exc)
        if response.will_close:
            connection.close()
        if response.status != expect:
            return False, f"{response.status}: {text[:300]!r}"
        return True, ""

    return call


def http_getter(port: int, path: str) -> Callable[[int], tuple[bool, str]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def call(i: int) -> tuple[bool, str]:
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            return False, repr(exc)
        if response.will_close:
            connection.close()
        return response.status == 200, str(response.status)

    return call
