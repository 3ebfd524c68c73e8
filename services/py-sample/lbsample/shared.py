"""What the Gunicorn master makes before it forks, for every worker to inherit.

Imports nothing on purpose: the master loads this module, and must not create clients or metrics.
"""

from typing import Any

# /api/work's process-shared semaphore and count of waiters (gunicorn.conf.py's on_starting;
# lbsample/lab/capacity.py).
work_semaphore: Any = None
work_waiting: Any = None
# The fault set `make fault` gives this replica, shared by every worker (lbsample/lab/faults.py).
faults: Any = None
