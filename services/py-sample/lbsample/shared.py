"""What the Gunicorn master makes before it forks, for every worker to inherit.

Imports nothing of the app on purpose: the master loads this module, and must not create clients or
metrics.
"""

import time
from typing import Any

# When the replica started (time.monotonic(), one clock for every process of this machine):
# stamped at import, in the master (gunicorn.conf.py imports this module before it forks), so
# every worker reports the replica's uptime, not its own. Workers boot at different moments and
# may be recycled; /api/whoami's uptime must not change with the worker that answers.
started = time.monotonic()

# /api/work's process-shared semaphore and count of waiters (gunicorn.conf.py's on_starting;
# lbsample/lab/capacity.py).
work_semaphore: Any = None
work_waiting: Any = None
# The fault set `make fault` gives this replica, shared by every worker (lbsample/lab/faults.py).
faults: Any = None
