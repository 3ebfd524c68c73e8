"""lb-lab's Python replica: Flask under Gunicorn, the same contract as the TypeScript one.

Kept empty on purpose: gunicorn.conf.py imports lbsample.shared and lbsample.config in the master, which must not
pull in the app (and its clients) before the workers fork.
"""
