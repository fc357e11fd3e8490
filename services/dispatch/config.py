"""Dispatch's settings."""

from pathlib import Path

from runtime.settings import Settings

RULES = Path(__file__).resolve().parent / "rules"


class DispatchSettings(Settings):
    """Environment of the dispatch service."""

    service: str = "dispatch"
    http_port: int = 8002
    # The deployment's own tenant's (TENANT) rules and roster.
    routing_rules_path: Path = RULES / "routing.yaml"
    roster_path: Path = RULES / "roster.yaml"
    # Every other tenant: one folder per tenant, named as its tokens and events name it,
    # holding its routing.yaml and roster.yaml. Missing: the deployment serves TENANT alone.
    dispatch_tenants_dir: Path = RULES / "tenants"
    transfer_cap: int = 3
