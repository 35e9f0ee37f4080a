"""Tiers, VIP membership paid in Telegram Stars, the private channel and roles."""
