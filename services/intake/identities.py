"""Resolving a submission's customer to the person behind it, and forgetting the person.

On filing, the submission's customer id and its verified contact points are looked up in the
ContactPoint index. The identity they lead to gives the canonical customer id the complaint is
filed, sealed, checked for duplicates and counted under (a customer id that no verified point
ever came with needs no identity: it is its own). Points not yet linked are linked to it
(each link an event naming the channel and the verification); when points lead to two
identities, the first (the submitted id's, if it has one) absorbs the other. The aggregates this
changes are saved with the complaint, so a lost race is retried like any other.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from eventsourcing.application import Repository
from eventsourcing.domain import Aggregate

from runtime.vault import KeyVault
from services.intake.domain import Submission
from services.intake.identity import (
    ContactKind,
    ContactPoint,
    CustomerIdentity,
    PointIds,
    VerifiedContact,
)


@dataclass(frozen=True)
class Point:
    """A contact point of a submission: its index id, and the verification if it is a contact."""

    id: uuid.UUID
    kind: ContactKind
    value: str
    contact: VerifiedContact | None = None


@dataclass(frozen=True)
class Resolved:
    """Who a submission's customer is, and the identity events to save with the complaint."""

    customer_id: str  # canonical: the complaint is filed, sealed and counted under it
    history: tuple[str, ...]  # every id the person's complaints were filed under
    pending: tuple[Aggregate, ...] = ()


def points_of(ids: PointIds, tenant: str, submission: Submission) -> list[Point]:
    """The submitted customer id first, then the contact points the channel verified."""
    customer_id = submission.customer.id
    points = [Point(ids(tenant, ContactKind.CUSTOMER_ID, customer_id),
                    ContactKind.CUSTOMER_ID, customer_id)]
    for contact in submission.verified_contacts:
        points.append(Point(ids(tenant, contact.kind, contact.value),
                            contact.kind, contact.value, contact))
    return points


class Identities:
    """The ContactPoint index and CustomerIdentity aggregates in intake's repository."""

    def __init__(
        self, *, repository: Repository, vault: KeyVault, ids: PointIds | None = None
    ) -> None:
        self.repository = repository
        self.vault = vault
        self.ids = ids or PointIds()

    def customer_id(self, tenant: str, submission: Submission) -> str:
        """The canonical id the submission would be filed under; changes nothing."""
        linked = self._identities(self._linked(tenant, points_of(self.ids, tenant, submission)))
        return linked[0].customer_id if linked else submission.customer.id

    def resolve(self, tenant: str, submission: Submission) -> Resolved:
        """The person the submission is from, linking its new ids and verified points."""
        points = points_of(self.ids, tenant, submission)
        index = self._linked(tenant, points)
        linked = self._identities(index)
        if not linked and not submission.verified_contacts:
            return Resolved(submission.customer.id, ())  # nobody to link: no identity needed
        channel = submission.channel.value
        identity = linked[0] if linked else CustomerIdentity(
            tenant=tenant, customer_id=submission.customer.id)
        changed: dict[uuid.UUID, Aggregate] = {}
        for other in linked[1:]:
            identity.absorb(other, because=f"a contact point verified on the {channel} channel "
                            "belongs to both")
            changed[other.id] = other
            for point_id in other.points:
                stored = uuid.UUID(point_id)  # keyed, or a uuid5 of an older store
                point = next((p for p in index.values() if p.id == stored), None) \
                    or self.repository.get(stored)
                point.relink(identity_id=identity.id)
                index.setdefault(point.id, point)
                changed[point.id] = point
        for point in points:
            found = index.get(point.id)
            if found is not None and found.identity_id == identity.id:
                continue
            linked_point = self._link(tenant, identity, point, found, channel)
            changed[linked_point.id] = linked_point
        if changed:
            changed[identity.id] = identity
        return Resolved(identity.customer_id, tuple(identity.aliases), tuple(changed.values()))

    def erasure(self, tenant: str, customer_id: str) -> tuple[list[str], list[Aggregate]]:
        """Every id of the person under this id (canonical first), and the identity and
        index events that release their contact points, to save once their keys are gone."""
        point_id = self.ids(tenant, ContactKind.CUSTOMER_ID, customer_id)
        found = self._linked(tenant, [Point(point_id, ContactKind.CUSTOMER_ID, customer_id)])
        [identity] = self._identities(found) or [None]
        if identity is None:
            return [customer_id], []
        released: list[Aggregate] = []
        for point_id in identity.points:
            point = self.repository.get(uuid.UUID(point_id))
            if point.identity_id == identity.id:
                point.release()
                released.append(point)
        identity.erase(reason="the person was erased")
        ids = list(identity.aliases) + ([] if customer_id in identity.aliases else [customer_id])
        return ids, [*released, identity]

    def _link(self, tenant: str, identity: CustomerIdentity, point: Point,
              found: ContactPoint | None, channel: str) -> ContactPoint:
        if found is None:
            found = ContactPoint(id=point.id, tenant=tenant, kind=point.kind.value,
                                 identity_id=identity.id)
        else:
            found.relink(identity_id=identity.id)  # released by an erasure: a new person
        if point.contact is None:
            identity.link_alias(
                point_id=point.id, alias=point.value, channel=channel,
                because="filed under this id" if point.value == identity.customer_id else
                f"filed with a contact point of {identity.customer_id} verified on the "
                f"{channel} channel")
        else:
            identity.link_contact(
                point_id=point.id, kind=point.kind.value,
                sealed_value=self.vault.seal(tenant, identity.customer_id, point.value),
                channel=channel, verified_by=point.contact.verified_by.value)
        return found

    def _linked(self, tenant: str, points: list[Point]) -> dict[uuid.UUID, ContactPoint]:
        """The index entries that exist among these points (linked or released), by the
        points' keyed ids; an entry a store kept under its uuid5 id is found there."""
        found = {}
        for point in points:
            legacy = PointIds.legacy(tenant, point.kind.value, point.value)
            stored_id = next((i for i in (point.id, legacy) if i in self.repository), None)
            if stored_id is not None:
                found[point.id] = self.repository.get(stored_id)
        return found

    def _identities(self, index: dict[uuid.UUID, ContactPoint]) -> list[CustomerIdentity]:
        """The distinct live identities the index entries lead to, in the points' order."""
        identities: dict[uuid.UUID, CustomerIdentity] = {}
        for point in index.values():
            if point.identity_id is not None and point.identity_id not in identities:
                identities[point.identity_id] = self.repository.get(point.identity_id)
        return list(identities.values())
