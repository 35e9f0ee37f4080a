"""PostgreSQL adapters of the admin API's stores (accounts and audit, idempotency answers,
broadcasts); they sit beside the SQLite adapters so that storage never imports the API."""
