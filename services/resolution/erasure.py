"""Use cases of the customer's personal data (part of ResolutionApplication): learn whose
complaint each case is, and erase what resolution keeps of a customer with intake's erasure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from runtime.eventstore import Cause
from services.resolution.domain.customers import CustomerComplaints
from services.resolution.personal import PersonalData


class ErasureUseCases:
    """Follow intake's customers; erasing one destroys their complaints' keys."""

    personal: PersonalData
    repository: Any
    save: Callable[..., Any]  # the application's (a stub here would shadow it in the MRO)

    def record_customer(
        self, *, tenant: str, customer_id: str, complaint_id: str, received_at: datetime,
        cause: Cause,
    ) -> None:
        """Remember whose complaint it is; one filed before the customer's erasure (delivered
        after it) is erased at once."""
        customer = self._customer(tenant, customer_id)
        if customer.add(complaint_id=complaint_id, received_at=received_at):
            self.personal.erase(tenant, [complaint_id])
        self.save(customer, cause=cause)

    def erase_customer(
        self, *, tenant: str, customer_id: str, erased_at: datetime, cause: Cause
    ) -> None:
        """Intake erased the customer: destroy the keys of their complaints' text and files.

        The keys go first: a crash before the record is saved redelivers the erasure."""
        customer = self._customer(tenant, customer_id)
        self.personal.erase(tenant, customer.erase(at=erased_at))
        self.save(customer, cause=cause)

    def _customer(self, tenant: str, customer_id: str) -> CustomerComplaints:
        customer_id_ = CustomerComplaints.create_id(tenant, customer_id)
        if customer_id_ in self.repository:
            return self.repository.get(customer_id_)
        return CustomerComplaints(tenant=tenant, customer_id=customer_id)
