"""work: the read model of complaints (lists, about to breach, search, customer 360, tags)."""
