"""What a caller of the audit API may read of a complaint's events.

The personal fields are those the contracts mark (contracts.personal), masked the way the
owning service's API masks them for a caller without `pii:read`, sealed (`pii:v1:`) or not;
with it they are shown, and a read of plaintext is logged before it leaves. A sealed value is
ciphertext whose key audit does not hold: a caller with `pii:read` sees it as it is stored, and
that is not a read of personal data.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from contracts.envelope import Envelope
from contracts.personal import Personal, personal_fields
from contracts.registry import EVENT_TYPES
from runtime.auth.masking import MASKS, REDACTED, may_read_personal_data
from runtime.auth.pii_log import PiiAccessLog
from runtime.auth.principal import Principal
from runtime.vault import is_sealed


def plaintext_fields(envelope: Envelope) -> dict[str, Personal]:
    """The envelope's personal fields that hold a value in plaintext, with their kind."""
    cls = EVENT_TYPES.get(envelope.type)
    kinds = personal_fields(cls) if cls is not None else {}
    return {name: kind for name, kind in kinds.items()
            if _in_plaintext(envelope.data.get(name))}


def _in_plaintext(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_in_plaintext(v) for v in value.values())
    return value is not None and value != "" and not is_sealed(value)


def masked(envelope: Envelope) -> Envelope:
    """The envelope with its personal values masked, sealed or not, as the services mask them."""
    cls = EVENT_TYPES.get(envelope.type)
    kinds = {name: kind for name, kind in (personal_fields(cls) if cls else {}).items()
             if _present(envelope.data.get(name))}
    if not kinds:
        return envelope
    data = {**envelope.data}
    for name, kind in kinds.items():
        data[name] = _mask(data[name], kind)
    return envelope.model_copy(update={"data": data})


def _present(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_present(v) for v in value.values())
    return value is not None and value != ""


def _mask(value: Any, kind: Personal) -> Any:
    if isinstance(value, dict):  # a note template's values: the names stay, the values go
        return {key: REDACTED if _present(v) else v for key, v in value.items()}
    if isinstance(value, str) and not is_sealed(value):
        return MASKS[kind](value)
    return REDACTED


def read_fields(envelopes: Iterable[Envelope]) -> list[str]:
    """What reading these envelopes discloses: `<event type>:<field>`, once each, sorted."""
    return sorted({f"{e.type}:{name}" for e in envelopes for name in plaintext_fields(e)})


def disclose(envelopes: list[Envelope], caller: Principal, *, complaint_id: str,
             log: PiiAccessLog) -> list[Envelope]:
    """The envelopes as caller may read them: plaintext and logged with `pii:read`, masked
    without."""
    if not may_read_personal_data(caller):
        return [masked(e) for e in envelopes]
    log.record(caller, complaint_id=complaint_id, fields=read_fields(envelopes))
    return envelopes
