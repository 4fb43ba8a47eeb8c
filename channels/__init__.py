"""Channel adapters behind campaigns.platform.ports.Channel (outbox, task queues; providers later)."""
