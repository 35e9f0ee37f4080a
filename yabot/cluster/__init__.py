"""Cluster mode: several YABOT instances share the players' shards through PostgreSQL."""
