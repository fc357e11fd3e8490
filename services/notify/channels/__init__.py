"""Channel providers: each sends one rendered message to one address, or raises DeliveryError."""
