"""Published facts of the complaint platform: envelope, domain events, topics."""
