"""SLA: deadline clocks for every live complaint, their warnings, breaches and escalations."""
