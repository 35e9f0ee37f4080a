"""Domain events: typed models, the transactional outbox, its Redis relay and a consumer."""
