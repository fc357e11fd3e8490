"""The module intake's stored events name their classes by."""

# An event is stored under a topic, `module:qualname` of its class, and read back by importing
# it. The aggregates were written in services/intake/domain.py before it became this package;
# they keep that module, which exports them, so old and new events share one topic (and queries
# by topic, such as the corrections' export, find both).
STORED_AS = "services.intake.domain"
