"""Django's PostgreSQL backend, its pooled checkout made free of a round trip (base.py says how).

``ENGINE = "chorus.db.postgresql"`` in the settings when the pool is on; Django finds the
backend's ``DatabaseWrapper`` in ``base``, as it does for its own backends.
"""
