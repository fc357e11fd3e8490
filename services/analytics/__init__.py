"""Analytics: every domain event projected into ClickHouse, counted and trended."""
