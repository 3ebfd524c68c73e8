"""The lab's routes: /faults and /api/work."""
