"""The JSON schema of results.json, generated from the Results models (shipped as
docs/results-schema.json; a test keeps that file equal to this output)."""

from __future__ import annotations

import json

from rtio.analyse.results import Results


def results_schema() -> str:
    """The JSON schema (draft 2020-12) of results.json as indented text."""
    schema = Results.model_json_schema(mode="serialization")
    return json.dumps(schema, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
