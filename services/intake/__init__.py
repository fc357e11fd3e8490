"""Intake: the single front door for complaints from every channel."""
