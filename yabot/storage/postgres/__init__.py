"""PostgreSQL adapters of the transactional stores (the cluster mode's shared storage).

Nothing here is imported in the embedded (SQLite) mode: psycopg is an optional dependency
(the ``cluster`` extra) and the factories import these modules only when
``storage.backend = "postgres"``.
"""
