"""The verifier's arithmetic on rows in memory: which break it names, and where."""

from __future__ import annotations

import dataclasses

import pytest

from runtime.chain import GENESIS, event_hash, link
from runtime.sealed_store import seal
from runtime.sealing import check_digest, find_break


def events(*positions: int) -> list[tuple]:
    return [(p, f"00000000-0000-0000-0000-{p:012d}", 1, "t:Done", f"state {p}".encode())
            for p in positions]


STORED = events(1, 2, 3, 4, 5, 6)
SEALS = seal(GENESIS, STORED)


def without(rows: list, position: int) -> list:
    return [r for r in rows if (r[0] if isinstance(r, tuple) else r.position) != position]


def test_seal_follows_chain_arithmetic_from_genesis():
    first = event_hash(*STORED[0])
    assert (SEALS[0].event_hash, SEALS[0].entry_hash) == (first, link(GENESIS, first))
    assert SEALS[1].entry_hash == link(SEALS[0].entry_hash, event_hash(*STORED[1]))


def test_an_intact_chain_has_no_break_and_gaps_in_positions_are_legitimate():
    gappy = events(1, 2, 5, 9)
    assert (find_break(STORED, SEALS), find_break(gappy, seal(GENESIS, gappy))) == (None, None)


def test_an_event_whose_content_changed_is_modified():
    changed = [*STORED[:3], (4, STORED[3][1], 1, "t:Done", b"state forged"), *STORED[4:]]
    assert find_break(changed, SEALS)[:2] == ("modified", 4)


def test_a_seal_whose_entry_hash_changed_is_modified():
    seals = [*SEALS[:2], dataclasses.replace(SEALS[2], entry_hash="f" * 64), *SEALS[3:]]
    assert find_break(STORED, seals)[:2] == ("modified", 3)


@pytest.mark.parametrize("position", [1, 4, 6])
def test_a_missing_event_is_deleted(position):
    assert find_break(without(STORED, position), SEALS)[:2] == ("deleted", position)


@pytest.mark.parametrize("position", [1, 4])
def test_a_missing_event_and_seal_are_deleted_where_the_gap_starts(position):
    assert find_break(without(STORED, position), without(SEALS, position))[:2] == (
        "deleted", position,
    )


def test_an_event_without_a_seal_is_inserted():
    assert find_break([*STORED, *events(7)], SEALS)[:2] == ("inserted", 7)


def test_a_forged_event_with_a_forged_seal_between_two_is_inserted():
    stored = events(1, 2, 4, 6)
    seals = seal(GENESIS, stored)
    forged = events(3)[0]
    (forged_seal,) = seal(seals[1].entry_hash, [forged])

    broken = find_break([*stored[:2], forged, *stored[2:]], [*seals[:2], forged_seal, *seals[2:]])

    assert broken[:2] == ("inserted", 3)


def test_swapped_events_are_reordered_at_the_earlier_position():
    swapped = [(p, *STORED[q - 1][1:]) for p, q in zip(range(1, 7), (1, 5, 3, 4, 2, 6),
                                                          strict=True)]
    assert find_break(swapped, SEALS)[:2] == ("reordered", 2)


def test_a_digest_matches_a_chain_that_extends_it_and_not_one_rewritten():
    seen = {"service": "s", "position": 4, "entry_hash": SEALS[3].entry_hash}
    rewritten = seal(GENESIS, [*STORED[:2], (3, *STORED[2][1:4], b"x"), *STORED[3:]])

    assert (check_digest(SEALS, seen), check_digest(rewritten, seen)[:2],
            check_digest(SEALS[:2], seen)[:2]) == (None, ("diverged", 4), ("deleted", 3))


def test_an_empty_digest_is_satisfied_by_any_chain():
    assert check_digest(SEALS, {"service": "s", "position": 0, "entry_hash": GENESIS}) is None
