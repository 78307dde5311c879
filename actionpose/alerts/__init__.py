"""Alerting: an alert manager (debounce, cooldown, escalation, ignore zones) and durable sinks."""
