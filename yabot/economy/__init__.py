"""Besitos, daily rewards, missions, achievements and the store."""
