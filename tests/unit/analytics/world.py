"""Six complaints of tenant acme whose every metric is worked out by hand in the tests.

| id | received (UTC)      | day | channel | region | product | category | sev | customer |
|----|---------------------|-----|---------|--------|---------|----------|-----|----------|
| C1 | 2024-03-04 09:00    | Mon | web     | CA     | Card    | billing  | P1  | cust-1   |
| C2 | 2024-03-04 12:00    | Mon | phone   | NY     | Card    | billing  | P2  | cust-1   |
| C3 | 2024-03-09 10:00    | Sat | web     | CA     | Loan    | delivery | P3  | cust-2   |
| C4 | 2024-03-10 15:00    | Sun | app     | TX     | Loan    | delivery | P2  | cust-1   |
| C5 | 2024-02-20 08:00    | Tue | web     | CA     | Card    | billing  | P1  | cust-3   |
| C6 | 2024-04-15 09:00    | Mon | email   | NY     | Card    | billing  | P2  | cust-3   |

Hours after receipt: first response C1 2, C2 4, C3 8, C5 1; resolution (executed, else closed)
C1 10, C2 30, C3 20, C5 5. C1, C3, C5 are closed; C2 was closed then reopened; C4 and C6 open.
C3 was queued at logistics then transferred to payments (agent a2). CSAT/NPS: C1 5/10, C2 2/3,
C3 4/9, C5 3/-. SLA clocks: C1 k1 first_response P1 met, k2 resolution P1 met; C2 k3
first_response P2 met, k4 resolution P2 breached; C3 k5 first_response P3 breached; C4 k6
first_response P2 still running.
"""

from __future__ import annotations

from services.analytics.domain import Consumed
from tests.unit.analytics.stories import Story


def stories() -> list[Story]:
    c1 = (Story("C1").received("2024-03-04 09:00", customer="cust-1", region="CA", product="Card")
          .classified("billing", "P1").assigned("payments", "billing-desk", "a1")
          .clock("k1", "first_response", "P1", met=True).clock("k2", "resolution", "P1", met=True)
          .first_response(2).executed(10).closed(12, "fee_error").feedback(13, 5, 10))
    c2 = (Story("C2").received("2024-03-04 12:00", customer="cust-1", channel="phone",
                               region="NY", product="Card")
          .classified("billing", "P2").assigned("payments", "billing-desk", "a1")
          .clock("k3", "first_response", "P2", met=True)
          .clock("k4", "resolution", "P2", met=False, breached=True)
          .first_response(4).closed(30, "fee_error").feedback(31, 2, 3).reopened(40))
    c3 = (Story("C3").received("2024-03-09 10:00", customer="cust-2", region="CA", product="Loan")
          .classified("delivery", "P3").queued("logistics", "loan-desk")
          .transferred(1, to_department="payments", to_queue="billing-desk", to_agent="a2")
          .clock("k5", "first_response", "P3", met=False, breached=True)
          .first_response(8).executed(20).closed(24, "carrier_delay").feedback(25, 4, 9))
    c4 = (Story("C4").received("2024-03-10 15:00", customer="cust-1", channel="app",
                               region="TX", product="Loan")
          .classified("delivery", "P2").assigned("logistics", "loan-desk", "a3")
          .clock("k6", "first_response", "P2"))
    c5 = (Story("C5").received("2024-02-20 08:00", customer="cust-3", region="CA", product="Card")
          .classified("billing", "P1").assigned("payments", "billing-desk", "a1")
          .first_response(1).closed(5, "fee_error").feedback(6, 3, None))
    c6 = (Story("C6").received("2024-04-15 09:00", customer="cust-3", channel="email",
                               region="NY", product="Card")
          .classified("billing", "P2").assigned("payments", "billing-desk", "a2"))
    return [c1, c2, c3, c4, c5, c6]


def world_events() -> list[Consumed]:
    """Every event of the six complaints, complaint after complaint."""
    return [event for story in stories() for event in story.events]
