"""CFPB Consumer Complaint Database records: one CSV row (as csv.DictReader gives it) -> Submission.

Each CFPB complaint is its own anonymous consumer, so the customer id is per complaint; the ZIP
code is not kept. 'Submitted via' (Web, Phone, Referral, ...) is kept as the channel detail.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from contracts.intake import Channel, ComplaintDetails
from services.intake.channels._common import Unreadable, as_mapping, start_of
from services.intake.domain import Customer, History, Submission

ANSWERS = {"Yes": True, "No": False, "N/A": None, "": None}
# The complaint's details by the CFPB's column names.
DETAIL_COLUMNS = {"product": "Product", "sub_product": "Sub-product", "issue": "Issue",
                  "company": "Company", "channel_detail": "Submitted via"}


def normalise(row: Mapping[str, str], *, historical: bool = False) -> Submission:
    """A CFPB record; historical: filed with its original dates and its recorded outcome."""
    row = as_mapping(row, "CFPB record")
    complaint_id = column(row, "Complaint ID")
    if not complaint_id:
        raise Unreadable("the CFPB record has no Complaint ID")
    issue, sub_issue = column(row, "Issue"), column(row, "Sub-issue")
    narrative = column(row, "Consumer complaint narrative")
    details = ComplaintDetails(
        external_reference=f"cfpb:{complaint_id}",
        **{name: column(row, heading) or None for name, heading in DETAIL_COLUMNS.items()},
    )
    return Submission(
        channel=Channel.CFPB,
        customer=Customer(id=f"cfpb:{complaint_id}", region=column(row, "State") or None),
        subject=issue or column(row, "Product"),
        text=narrative or summary(issue, sub_issue),
        **details.model_dump(),
        historical=historical,
        received_at=start_of(day(row, "Date received")) if historical else None,
        history=history(row, issue, sub_issue) if historical else None,
    )


def history(row: Mapping[str, str], issue: str, sub_issue: str) -> History:
    """What the CFPB recorded after receiving it: sent to the company, the answer, timeliness."""
    tags = column(row, "Tags")
    return History(
        sent_to_company_at=start_of(day(row, "Date sent to company")),
        company_response=column(row, "Company response to consumer") or None,
        company_public_response=column(row, "Company public response") or None,
        timely=answer(row, "Timely response?"),
        consumer_disputed=answer(row, "Consumer disputed?"),
        tags=tuple(tag.strip() for tag in tags.split(",") if tag.strip()),
        issue=issue or None,
        sub_issue=sub_issue or None,
    )


def summary(issue: str, sub_issue: str) -> str:
    """The text of a record without a published narrative: what the consumer ticked."""
    if not issue:
        raise Unreadable("the CFPB record has neither a narrative nor an issue")
    return f"Issue: {issue}\nSub-issue: {sub_issue}" if sub_issue else f"Issue: {issue}"


def column(row: Mapping[str, str], name: str) -> str:
    if name not in row:
        raise Unreadable(f"not a CFPB record: no {name!r} column")
    return (row[name] or "").strip()


def day(row: Mapping[str, str], name: str) -> date | None:
    value = column(row, name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise Unreadable(f"{name} {value!r} is not an ISO date") from error


def answer(row: Mapping[str, str], name: str) -> bool | None:
    value = column(row, name)
    if value not in ANSWERS:
        raise Unreadable(f"{name} {value!r} is not Yes, No or N/A")
    return ANSWERS[value]
