"""docs/results-schema.json is the schema the Results models generate, and results.json of the
demo study validates against it."""

import json
from pathlib import Path

from pydantic import TypeAdapter

from rtio.analyse import Results
from rtio.analyse.schema import results_schema

ROOT = Path(__file__).parents[2]
REGENERATE = (
    'python -c "from rtio.analyse.schema import results_schema; '
    "open('docs/results-schema.json', 'w').write(results_schema())\""
)


def test_shipped_schema_is_generated_from_the_models() -> None:
    shipped = (ROOT / "docs" / "results-schema.json").read_text()
    assert shipped == results_schema(), f"regenerate it: {REGENERATE}"


def test_recorded_demo_results_read_back_into_the_models() -> None:
    recorded = (Path(__file__).parent / "data" / "demo_results.json").read_text()
    results = TypeAdapter(Results).validate_json(recorded)
    assert json.loads(results.model_dump_json()) == json.loads(recorded)
