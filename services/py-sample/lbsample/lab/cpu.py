"""CPU-bound work, as the TypeScript replica's src/cpu.ts."""

import time


def burn_cpu(ms: int) -> None:
    """`ms` of this thread's CPU time (not wall time: a replica waiting for a core must not count
    the wait as work done)."""
    end = time.thread_time() + ms / 1000
    while time.thread_time() < end:
        pass
