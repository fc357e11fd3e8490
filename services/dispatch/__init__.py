"""Dispatch: gives every complaint an owner (queue, department and, once picked, an agent)."""
