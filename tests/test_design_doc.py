"""docs/design.md documents every field the validators accept, and no field they reject."""

import re

import pytest

from ipo_research.models.specs import MODELS_FILE_FIELDS
from ipo_research.paths import PROJECT_ROOT
from ipo_research.pipeline.plan import PIPELINE_FIELDS
from ipo_research.survey.codebook import CODEBOOK_FIELDS

DESIGN = PROJECT_ROOT / "docs" / "design.md"
VALIDATED = {**CODEBOOK_FIELDS, **MODELS_FILE_FIELDS, **PIPELINE_FIELDS}
_MARKER = re.compile(r"^<!-- fields: ([a-z_]+) -->$")
_FIRST_CELL = re.compile(r"^\|\s*`([^`]+)`\s*\|")


def documented_fields(text: str) -> dict[str, list[str]]:
    """Field names of each table that follows a ``<!-- fields: KIND -->`` marker."""
    documented: dict[str, list[str]] = {}
    kind = None
    for line in text.splitlines():
        marker = _MARKER.match(line.strip())
        if marker:
            kind = marker.group(1)
            documented[kind] = []
        elif kind and line.startswith("|"):
            cell = _FIRST_CELL.match(line)
            if cell:
                documented[kind].append(cell.group(1))
        elif kind and documented[kind]:
            kind = None  # the table ended
    return documented


def test_every_validated_object_has_a_documented_table():
    assert sorted(documented_fields(DESIGN.read_text(encoding="utf-8"))) == sorted(VALIDATED)


@pytest.mark.parametrize("kind", sorted(VALIDATED))
def test_documented_fields_equal_the_validators_fields(kind):
    documented = documented_fields(DESIGN.read_text(encoding="utf-8"))[kind]
    assert sorted(documented) == sorted(VALIDATED[kind]), (
        f"docs/design.md's '{kind}' table lists {sorted(documented)}; the validator accepts "
        f"{sorted(VALIDATED[kind])}")


def test_the_parser_reads_a_table_after_its_marker_and_stops_at_its_end():
    text = ("<!-- fields: level -->\n| field | meaning |\n|---|---|\n| `code` | c |\n| `label` | l |\n"
            "\nprose with | `pipes` | in it\n")
    assert documented_fields(text) == {"level": ["code", "label"]}
