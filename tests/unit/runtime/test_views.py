from dataclasses import dataclass, field

import pytest
from pydantic import Field, ValidationError

from runtime.views import view_of


@dataclass(frozen=True)
class Shown:
    name: str
    secret: str
    tags: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)


def test_a_view_has_the_dataclass_fields_in_order_all_required_less_those_left_out():
    View = view_of(Shown, "View", doc="What is shown.", module=__name__, leave_out={"secret"})

    schema = View.model_json_schema()
    assert list(schema["properties"]) == ["name", "tags", "extra"]
    assert schema["required"] == ["name", "tags", "extra"]
    assert schema["description"] == "What is shown."
    with pytest.raises(ValidationError):
        View(name="a", tags=[])


def test_a_view_reads_the_dataclass_and_its_fields_can_be_replaced_or_added():
    View = view_of(Shown, "View", doc="d", module=__name__, leave_out={"secret"},
                   fields={"name": (str, Field(description="who")), "count": (int, ...)})

    view = View.model_validate({**Shown("a", "s", ("x",)).__dict__, "count": 2})
    assert view.model_dump() == {"name": "a", "tags": ("x",), "extra": {}, "count": 2}
    assert View.model_json_schema()["properties"]["name"]["description"] == "who"
