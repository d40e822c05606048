"""docs/study-format.md is generated from the schemas and must not drift from them."""

from pathlib import Path

from rtio.io.docs import render_study_format
from rtio.io.schema import SCHEMAS

DOC = Path(__file__).resolve().parents[2] / "docs" / "study-format.md"


def test_study_format_doc_matches_schema() -> None:
    assert DOC.read_text() == render_study_format(), (
        "regenerate with: python -m rtio.io.docs > docs/study-format.md"
    )


def test_contract_columns_of_design_are_declared() -> None:
    contract = {
        "subjects": "subject_id arm sex age ecog start_date death_date last_known_alive_date",
        "lesions": "subject_id lesion_id role organ is_lymph_node",
        "measurements": "subject_id lesion_id assessment_date visit diameter_mm status",
        "responses": "subject_id assessment_date overall_response assessor",
        "adverse_events": "subject_id term verbatim_term grade start_date end_date related_treatment "
        "related_radiotherapy immune_related serious",
        "labs": "subject_id date test value unit lln uln",
        "exposures": "subject_id drug dose dose_unit date cycle",
        "radiotherapy": "subject_id target technique dose_per_fraction_gy fractions start_date end_date",
        "biomarkers": "subject_id name timepoint value unit",
        "events": "subject_id kind date",
        "surgery": "subject_id date margin viable_tumor_pct ypt ypn",
        "screening": "candidate_id screening_date outcome reason",
    }
    for table, columns in contract.items():
        assert set(columns.split()) <= set(SCHEMAS[table].column_names), table
