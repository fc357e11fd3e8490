"""Golden samples, generated schemas and the registry agree with the contract models."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from contracts import export, registry
from contracts.intake import ComplaintClassified
from contracts.resolution import ResolutionProposed
from contracts.topics import ALL_TOPICS

CONTRACTS = Path(export.__file__).resolve().parent
SAMPLES = CONTRACTS / "samples"
EVENT_TYPES = sorted(registry.EVENT_TYPES)


def load_sample(event_type: str) -> dict:
    return json.loads((SAMPLES / f"{event_type}.json").read_text(encoding="utf-8"))


def load_schema(event_type: str) -> dict:
    path = CONTRACTS / export.schema_path(event_type)
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_sample_matches_schema_and_round_trips(event_type: str) -> None:
    sample = load_sample(event_type)
    schema = load_schema(event_type)
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert [e.message for e in validator.iter_errors(sample)] == []

    envelope, event = registry.parse(json.dumps(sample).encode())

    assert type(event) is registry.EVENT_TYPES[event_type]
    assert envelope.type == event_type
    assert event.model_dump(mode="json") == sample["data"]
    assert envelope.model_dump(mode="json") == sample


def test_every_event_type_has_a_sample_a_schema_and_a_topic() -> None:
    samples = sorted(p.stem for p in SAMPLES.glob("*.json"))
    schemas = sorted(p.stem for p in (CONTRACTS / export.SCHEMAS).glob("*.json"))
    assert samples == EVENT_TYPES
    assert schemas == EVENT_TYPES
    for event_type in EVENT_TYPES:
        assert registry.topic_for(event_type) in ALL_TOPICS
    assert set(registry.TOPIC_EVENTS) == set(ALL_TOPICS)


def test_every_sample_has_its_own_event_id() -> None:
    ids = [load_sample(event_type)["id"] for event_type in EVENT_TYPES]
    assert len(set(ids)) == len(ids)


# Past participles that do not end in -ed, spelled out so a present-tense name still fails.
IRREGULAR_PAST = {"sent"}


def test_event_types_are_past_tense_and_versioned() -> None:
    for event_type in EVENT_TYPES:
        *_, name, version = event_type.split(".")
        assert re.fullmatch(r"v[1-9][0-9]*", version), event_type
        last_word = name.split("_")[-1]
        assert last_word.endswith("ed") or last_word in IRREGULAR_PAST, event_type


def test_checked_in_schemas_and_asyncapi_are_current() -> None:
    assert export.stale() == []


def test_check_reports_a_stale_file(tmp_path: Path) -> None:
    for path, text in export.render().items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
    (tmp_path / export.schema_path("sla.breached.v1")).write_text("{}\n", encoding="utf-8")
    (tmp_path / export.SCHEMAS / "complaint.vanished.v1.json").write_text("{}\n")

    assert export.stale(tmp_path) == [
        "schemas/complaint.vanished.v1.json",
        "schemas/sla.breached.v1.json",
    ]
    assert export.write(tmp_path) == [
        "schemas/complaint.vanished.v1.json",
        "schemas/sla.breached.v1.json",
    ]
    assert export.stale(tmp_path) == []
    assert not (tmp_path / export.SCHEMAS / "complaint.vanished.v1.json").exists()


def test_check_command_exits_1_and_names_stale_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(export, "ROOT", tmp_path)
    (tmp_path / export.SCHEMAS).mkdir()

    assert export.main(["--check"]) == 1
    assert "stale: contracts/asyncapi.yaml" in capsys.readouterr().err.splitlines()
    assert export.main([]) == 0
    assert export.main(["--check"]) == 0


def test_unknown_fields_are_ignored() -> None:
    sample = load_sample(ComplaintClassified.event_type)
    sample["comexampleextension1"] = "value"  # an extension attribute the envelope does not know
    sample["data"]["emotion"] = "angry"  # a field a newer producer might add

    envelope, event = registry.parse(sample)

    assert not hasattr(event, "emotion")
    assert event.model_dump(mode="json") == load_sample(ComplaintClassified.event_type)["data"]
    assert "comexampleextension1" not in envelope.model_dump()


def test_trace_context_is_kept_when_present_and_left_out_when_absent() -> None:
    sample = load_sample(ComplaintClassified.event_type)
    traced = {**sample, "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
              "tracestate": "vendor=opaque"}

    envelope, _ = registry.parse(traced)

    assert envelope.traceparent == traced["traceparent"]
    assert envelope.model_dump(mode="json") == traced
    untraced, _ = registry.parse(sample)
    assert untraced.traceparent is None
    assert "traceparent" not in untraced.model_dump_json()
    assert untraced.model_dump(mode="json") == sample


def test_a_missing_required_field_raises() -> None:
    sample = load_sample(ResolutionProposed.event_type)
    del sample["data"]["proposal_id"]

    with pytest.raises(ValidationError, match="proposal_id"):
        registry.parse(sample)


def test_an_unknown_event_type_raises() -> None:
    sample = load_sample(ComplaintClassified.event_type)
    sample["type"] = "complaint.teleported.v1"

    with pytest.raises(registry.UnknownEventType, match=re.escape("complaint.teleported.v1")):
        registry.parse(sample)
    with pytest.raises(registry.UnknownEventType):
        registry.topic_for("complaint.teleported.v1")


def test_malformed_json_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        registry.parse(b'{"type": "complaint.classified.v1"')


def test_an_upcaster_turns_an_old_type_into_the_current_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    current = load_sample(ComplaintClassified.event_type)
    old = {**current, "type": "complaint.classified.v0", "dataschema": "urn:old"}
    old["data"] = {**current["data"], "score": current["data"]["confidence"]}
    del old["data"]["confidence"]

    def v0_to_v1(data: dict) -> tuple[str, dict]:
        renamed = {k: v for k, v in data.items() if k != "score"}
        return ComplaintClassified.event_type, {**renamed, "confidence": data["score"]}

    monkeypatch.setitem(registry.UPCASTERS, "complaint.classified.v0", v0_to_v1)

    envelope, event = registry.parse(old)

    assert isinstance(event, ComplaintClassified)
    assert event.confidence == 0.87
    assert envelope.type == "complaint.classified.v1"
    assert envelope.dataschema == current["dataschema"]
    assert event.model_dump(mode="json") == current["data"]
