"""notify: tells the right people, and the customer, about a complaint's events, exactly once."""
