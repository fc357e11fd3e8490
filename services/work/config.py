"""The work service's settings."""

from runtime.settings import Settings


class WorkSettings(Settings):
    """Environment of the work service."""

    service: str = "work"
    http_port: int = 8006
    # The key of the search digests (services.work.terms), the same on every replica; empty:
    # one generated in DATA_DIR/work-search.key. A new key needs a rebuild
    # (services.work.tools.rebuild).
    work_search_key: str = ""
    # Where intake keeps the customers' keys (runtime.vault), to read the sealed subject, text
    # and contact once, into search digests; empty: intake's default store beside this one
    # (DATABASE_URL, or DATA_DIR/intake.sqlite). "off": search by words, phone, email is off.
    work_customer_keys_url: str = ""

    @property
    def customer_keys_url(self) -> str | None:
        """Intake's key store, None when reading it is turned off."""
        if self.work_customer_keys_url == "off":
            return None
        return (self.work_customer_keys_url or self.database_url
                or f"sqlite:///{self.data_dir / 'intake'}.sqlite")
