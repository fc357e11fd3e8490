"""Dispatch's settings."""

from pathlib import Path

from runtime.settings import Settings

RULES = Path(__file__).resolve().parent / "rules"


class DispatchSettings(Settings):
    """Environment of the dispatch service."""

    service: str = "dispatch"
    http_port: int = 8002
    routing_rules_path: Path = RULES / "routing.yaml"
    roster_path: Path = RULES / "roster.yaml"
    transfer_cap: int = 3
