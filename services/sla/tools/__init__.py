"""Release-time tools of the SLA service (never imported by the running service)."""
