"""The fault suite: keyed writes on one hot SKU through gunicorn while workers, database backends and Redis fail.

Run by `.ci/run` (`python -m faults.run`); see `faults/run.py` for what it does and asserts.
"""
