"""The lab's instruments, apart from the service's pattern: faults to break this replica on
purpose (`make fault`, the contract's /faults) and /api/work with its concurrency limit, to
overload it. A service started from this replica drops this package and the lines of app.py,
context.py and gunicorn.conf.py marked as the lab's."""
