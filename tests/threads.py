"""Run functions at the same instant in real threads (for PostgreSQL locking tests)."""

import threading

from django.db import connection


def run_at_once(functions):
    """Start every function at once in its own thread; return [("ok", result) | ("error", exc)]."""
    barrier = threading.Barrier(len(functions))
    outcomes = [None] * len(functions)

    def runner(index, function):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = ("ok", function())
        except Exception as exc:  # noqa: BLE001 - the outcome is what we assert on
            outcomes[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return outcomes
