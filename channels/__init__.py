"""Channel adapters behind campaigns.ports.Channel (outbox, task queues; providers later)."""
