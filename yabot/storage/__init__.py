"""Durable state: snapshot stores, the durable inbox, SQLite records and helpers."""
