"""Telegram edge: Update types, ingress (webhook, polling) and the paced sender."""
