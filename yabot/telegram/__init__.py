"""Telegram edge: Update types, ingress (webhook, polling), the paced sender and the emulator."""
