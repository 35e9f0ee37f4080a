"""The admin HTTP API: JWT auth, error model, health, metrics and admin endpoints."""
