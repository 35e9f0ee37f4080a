"""Password hashing and encryption at rest."""
