"""Which dead letters a re-drive publishes again (pure selection and command line)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts.deadletter import DeadLetter, DeadLetterReason
from runtime.deadletters import WITHHELD
from runtime.redrive import Wanted, chosen, parse_args

R = DeadLetterReason
NOON = datetime(2026, 11, 24, 12, tzinfo=UTC)


def letter(consumer: str, reason: DeadLetterReason, offset: int, at: datetime = NOON,
           topic: str = "intake.events.v1") -> DeadLetter:
    return DeadLetter(consumer=consumer, source_topic=topic, partition=3, offset=offset,
                      key="k", value='{"id": 1}', reason=reason, error="boom", attempts=3,
                      failed_at=at)


def test_only_the_consumers_letters_of_the_asked_reasons_after_since_are_chosen() -> None:
    letters = [
        letter("dispatch", R.HANDLER_FAILED, 1),
        letter("sla", R.HANDLER_FAILED, 2),  # another consumer's
        letter("dispatch", R.SCHEMA_INVALID, 3),  # another reason
        letter("dispatch", R.HANDLER_FAILED, 4, at=datetime(2026, 11, 23, tzinfo=UTC)),
        letter("dispatch", R.HANDLER_FAILED, 5),
    ]
    wanted = Wanted("dispatch", frozenset({R.HANDLER_FAILED}), since=NOON)

    assert [c.offset for c in chosen(letters, wanted)] == [1, 5]


def test_unparseable_letters_are_never_chosen_their_bytes_are_gone() -> None:
    letters = [letter("intake", R.UNPARSEABLE, 1), letter("intake", R.REJECTED, 2)]

    assert [c.offset for c in chosen(letters, Wanted("intake", frozenset(R)))] == [2]


def test_letters_whose_value_was_withheld_are_never_chosen() -> None:
    withheld = letter("intake", R.HANDLER_FAILED, 1).model_copy(
        update={"value": WITHHELD + "ab" * 32})
    letters = [withheld, letter("intake", R.HANDLER_FAILED, 2)]

    assert [c.offset for c in chosen(letters, Wanted("intake", frozenset(R)))] == [2]


def test_a_message_dead_lettered_twice_is_redriven_once() -> None:
    # Re-driven once already and failed again: two letters for one source message.
    letters = [letter("dispatch", R.HANDLER_FAILED, 7), letter("dispatch", R.HANDLER_FAILED, 7),
               letter("dispatch", R.HANDLER_FAILED, 7, topic="sla.events.v1")]

    assert len(chosen(letters, Wanted("dispatch", frozenset({R.HANDLER_FAILED})))) == 2


def test_the_command_line_defaults_to_handler_failures_and_utc() -> None:
    wanted, dry_run = parse_args(["--consumer", "sla", "--since", "2026-11-24T12:00",
                                  "--dry-run"])

    assert wanted == Wanted("sla", frozenset({R.HANDLER_FAILED}), since=NOON)
    assert dry_run
    assert parse_args(["--consumer", "sla", "--reason", "rejected"])[0].reasons == {R.REJECTED}
    with pytest.raises(SystemExit):
        parse_args(["--consumer", "sla", "--reason", "unparseable"])
