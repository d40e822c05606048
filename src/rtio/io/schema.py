"""The study table schemas: one declaration per table, written once.

Validation (:mod:`rtio.io.validate`), typed loading (:mod:`rtio.io.study`) and the reference
page ``docs/study-format.md`` (:mod:`rtio.io.docs`) are all generated from these declarations.
Column names of the contract (``DESIGN.md``) are never renamed; optional columns may be added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from rtio.vocabulary import LesionRole, MeasurementStatus, Response

Kind = Literal["str", "int", "float", "date", "bool"]


@dataclass(frozen=True)
class Column:
    """One column of a study table.

    ``required`` says whether the column must be present; ``nullable`` whether its cells may be
    empty. ``allowed`` restricts values to a set; ``minimum`` / ``maximum`` bound numbers
    (inclusive); ``decimals`` is the most decimals a number may have (values are compared exactly
    at that precision). ``identifier`` columns are keys: no spaces around them. ``free_text``
    columns are narrative: a hidden character there is a warning, elsewhere an error.
    """

    name: str
    kind: Kind
    description: str
    required: bool = True
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    unit: str | None = None
    decimals: int | None = None
    identifier: bool = False
    free_text: bool = False


@dataclass(frozen=True)
class Reference:
    """A foreign key: ``columns`` of this table must match ``target_columns`` of ``target``."""

    columns: tuple[str, ...]
    target: str
    target_columns: tuple[str, ...]


@dataclass(frozen=True)
class TableSchema:
    """A study table: its columns, its key and the tables it refers to."""

    name: str
    row: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    required: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(col.name for col in self.columns)


def _subject_ref() -> Reference:
    return Reference(("subject_id",), "subjects", ("subject_id",))


_SUBJECT_ID = Column(
    "subject_id", "str", "Subject identifier (must exist in subjects).", identifier=True
)

EVENT_KINDS = (
    "progression_clinical",
    "surgery",
    "withdrawal",
    "lost_to_follow_up",
    "new_anticancer_therapy",
    "treatment_discontinuation",
    "rt_discontinuation",
    "other",
)

SUBJECTS = TableSchema(
    name="subjects",
    row="patient",
    required=True,
    key=("subject_id",),
    columns=(
        Column("subject_id", "str", "Subject identifier, unique in the study.", identifier=True),
        Column("arm", "str", "Arm (a single-arm study has one value)."),
        Column("sex", "str", "Sex.", allowed=("M", "F")),
        Column("age", "int", "Age at start, years.", minimum=0, maximum=120, unit="years"),
        Column("ecog", "int", "ECOG performance status at baseline.", minimum=0, maximum=5),
        Column(
            "start_date",
            "date",
            "Day 1 of study treatment (index date in a retrospective cohort).",
        ),
        Column("death_date", "date", "Date of death; empty if alive.", nullable=True),
        Column(
            "last_known_alive_date",
            "date",
            "Last date known alive; may be empty only for a subject with a death_date.",
            nullable=True,
        ),
        Column("site", "str", "Recruiting site.", required=False, nullable=True),
        Column("smoking", "bool", "Smoking history.", required=False, nullable=True),
        Column("alcohol", "bool", "Alcohol history.", required=False, nullable=True),
        Column(
            "weight_loss_ge_10pct",
            "bool",
            "Body-weight loss of 10 % or more before enrolment.",
            required=False,
            nullable=True,
        ),
        Column(
            "tumor_location",
            "str",
            "Primary tumour location (oesophagus thirds).",
            required=False,
            nullable=True,
            allowed=("upper", "middle", "lower"),
        ),
        Column(
            "primary_length_cm",
            "float",
            "Primary tumour length.",
            required=False,
            nullable=True,
            minimum=0,
            unit="cm",
        ),
        Column("histology", "str", "Histology.", required=False, nullable=True, free_text=True),
        Column(
            "clinical_t",
            "str",
            "Clinical T category (e.g. T3, T4a).",
            required=False,
            nullable=True,
        ),
        Column("clinical_n", "str", "Clinical N category (N0..N3).", required=False, nullable=True),
        Column(
            "clinical_m",
            "str",
            "Clinical M category.",
            required=False,
            nullable=True,
            allowed=("M0", "M1"),
        ),
        Column(
            "stage", "str", "Clinical stage group (e.g. IVA, IVB).", required=False, nullable=True
        ),
        Column("stratum", "str", "Randomization stratum.", required=False, nullable=True),
        Column(
            "death_cause",
            "str",
            "Cause of death.",
            required=False,
            nullable=True,
            free_text=True,
        ),
    ),
)

LESIONS = TableSchema(
    name="lesions",
    row="lesion",
    key=("subject_id", "lesion_id"),
    references=(_subject_ref(),),
    columns=(
        _SUBJECT_ID,
        Column("lesion_id", "str", "Lesion identifier, unique within a subject.", identifier=True),
        Column(
            "role",
            "str",
            "RECIST role at baseline (new: appeared later).",
            allowed=LesionRole.values(),
        ),
        Column("organ", "str", "Organ or anatomical site.", free_text=True),
        Column(
            "is_lymph_node", "bool", "Whether the lesion is a lymph node (measured by short axis)."
        ),
        Column(
            "site",
            "str",
            "Lesion class for disease-extent rules.",
            required=False,
            nullable=True,
            allowed=("primary", "regional_node", "distant_node", "distant_organ"),
        ),
        Column(
            "station",
            "str",
            "AJCC 8th lymph-node station code (1R, 2L, 7, 16, ...) or a non-station region "
            "(supraclavicular, axillary, inguinal, retroperitoneal, anterior_mediastinal, cervical).",
            required=False,
            nullable=True,
        ),
    ),
)

MEASUREMENTS = TableSchema(
    name="measurements",
    row="lesion x assessment",
    key=("subject_id", "lesion_id", "assessment_date"),
    references=(
        _subject_ref(),
        Reference(("subject_id", "lesion_id"), "lesions", ("subject_id", "lesion_id")),
    ),
    columns=(
        _SUBJECT_ID,
        Column(
            "lesion_id",
            "str",
            "Lesion identifier (must exist in lesions for the subject).",
            identifier=True,
        ),
        Column("assessment_date", "date", "Scan date."),
        Column(
            "visit",
            "str",
            "Groups the scans of one timepoint (else the date does).",
            required=False,
            nullable=True,
        ),
        Column(
            "diameter_mm",
            "float",
            "Longest diameter (short axis for nodes); empty for non-target and new lesions.",
            nullable=True,
            minimum=0,
            unit="mm",
            decimals=2,
        ),
        Column("status", "str", "Lesion status at the scan.", allowed=MeasurementStatus.values()),
    ),
)

RESPONSES_TABLE = TableSchema(
    name="responses",
    row="timepoint response reported by an assessor",
    key=("subject_id", "assessment_date", "assessor"),
    references=(_subject_ref(),),
    columns=(
        _SUBJECT_ID,
        Column("assessment_date", "date", "Date of the timepoint response."),
        Column("overall_response", "str", "Overall timepoint response.", allowed=Response.values()),
        Column("assessor", "str", "Who assessed (investigator, central review, ...)."),
    ),
)

ADVERSE_EVENTS = TableSchema(
    name="adverse_events",
    row="adverse-event episode",
    references=(_subject_ref(),),
    columns=(
        _SUBJECT_ID,
        Column("term", "str", "CTCAE v5 term, or a verbatim label mapped by study.yaml term_map."),
        Column(
            "verbatim_term",
            "str",
            "Term as reported.",
            required=False,
            nullable=True,
            free_text=True,
        ),
        Column("grade", "int", "CTCAE grade.", minimum=1, maximum=5),
        Column("start_date", "date", "Onset date."),
        Column(
            "end_date", "date", "Resolution date; empty if ongoing.", required=False, nullable=True
        ),
        Column("related_treatment", "bool", "Related to study treatment."),
        Column("related_radiotherapy", "bool", "Related to radiotherapy."),
        Column("immune_related", "bool", "Immune-related AE."),
        Column("serious", "bool", "Serious AE."),
    ),
)

LABS = TableSchema(
    name="labs",
    row="laboratory result",
    references=(_subject_ref(),),
    columns=(
        _SUBJECT_ID,
        Column("date", "date", "Sample date."),
        Column("test", "str", "Test name (lymphocytes, neutrophils, wbc, ...) or a LOINC code."),
        Column("value", "float", "Result value."),
        Column("unit", "str", "Unit of value (explicit; converted, never guessed)."),
        Column("lln", "float", "Lower limit of normal, in unit.", required=False, nullable=True),
        Column("uln", "float", "Upper limit of normal, in unit.", required=False, nullable=True),
    ),
)

EXPOSURES = TableSchema(
    name="exposures",
    row="drug administration",
    references=(_subject_ref(),),
    columns=(
        _SUBJECT_ID,
        Column("drug", "str", "Drug name."),
        Column("dose", "float", "Dose given.", minimum=0),
        Column("dose_unit", "str", "Unit of dose (mg, mg/m2, AUC, ...)."),
        Column("date", "date", "Administration date."),
        Column("cycle", "int", "Cycle number.", minimum=1),
    ),
)

RADIOTHERAPY = TableSchema(
    name="radiotherapy",
    row="radiotherapy course to one target",
    references=(_subject_ref(),),
    columns=(
        _SUBJECT_ID,
        Column(
            "target",
            "str",
            "Lesion ids separated by ';', or primary / locoregional / a region name.",
        ),
        Column("technique", "str", "Technique (IMRT, SBRT, 3DCRT, tomotherapy, ...)."),
        Column("dose_per_fraction_gy", "float", "Dose per fraction.", minimum=0, unit="Gy"),
        Column("fractions", "int", "Fractions delivered.", minimum=1),
        Column("start_date", "date", "First fraction."),
        Column("end_date", "date", "Last fraction."),
        Column(
            "planned_fractions",
            "int",
            "Fractions prescribed, when the course stopped early.",
            required=False,
            nullable=True,
            minimum=1,
        ),
    ),
)

BIOMARKERS = TableSchema(
    name="biomarkers",
    row="biomarker value",
    key=("subject_id", "name", "timepoint"),
    references=(_subject_ref(),),
    columns=(
        _SUBJECT_ID,
        Column("name", "str", "Biomarker (CD8, CD11c, CD68, PDL1, IFNG, IL6, ...)."),
        Column("timepoint", "str", "Timepoint (baseline, on_treatment, ...)."),
        Column("value", "float", "Value."),
        Column("unit", "str", "Unit (cells/mm2, pg/mL, ...)."),
    ),
)

EVENTS = TableSchema(
    name="events",
    row="clinical event",
    references=(_subject_ref(),),
    columns=(
        _SUBJECT_ID,
        Column("kind", "str", "Kind of event.", allowed=EVENT_KINDS),
        Column("date", "date", "Event date."),
        Column(
            "detail",
            "str",
            "Detail, e.g. the reason of a discontinuation (progression, adverse_event, withdrawal, ...).",
            required=False,
            nullable=True,
            free_text=True,
        ),
    ),
)

SURGERY = TableSchema(
    name="surgery",
    row="resection",
    references=(_subject_ref(),),
    columns=(
        _SUBJECT_ID,
        Column("date", "date", "Date of surgery."),
        Column("margin", "str", "Resection margin.", allowed=("R0", "R1", "R2")),
        Column(
            "viable_tumor_pct",
            "float",
            "Residual viable tumour in the specimen.",
            minimum=0,
            maximum=100,
            unit="%",
        ),
        Column(
            "ypt", "str", "Pathological T category after neoadjuvant therapy (ypT0, ypT1a, ...)."
        ),
        Column("ypn", "str", "Pathological N category after neoadjuvant therapy (ypN0..ypN3)."),
        Column(
            "yp_stage",
            "str",
            "Pathological stage group after neoadjuvant therapy (0, I, II, IIIA, ...).",
            required=False,
            nullable=True,
        ),
        Column(
            "post_clinical_stage",
            "str",
            "Clinical stage group at restaging after induction therapy, before surgery.",
            required=False,
            nullable=True,
        ),
        Column(
            "complication_grade",
            "int",
            "Worst surgical complication, Clavien–Dindo grade (0 = none).",
            required=False,
            nullable=True,
            minimum=0,
            maximum=5,
        ),
    ),
)

SCREENING = TableSchema(
    name="screening",
    row="screened candidate",
    key=("candidate_id",),
    references=(Reference(("subject_id",), "subjects", ("subject_id",)),),
    columns=(
        Column("candidate_id", "str", "Candidate identifier, unique.", identifier=True),
        Column("screening_date", "date", "Screening date."),
        Column("outcome", "str", "Screening outcome.", allowed=("enrolled", "excluded", "pending")),
        Column(
            "reason",
            "str",
            "Reason for exclusion; empty when enrolled.",
            nullable=True,
            free_text=True,
        ),
        Column(
            "subject_id",
            "str",
            "Subject id an enrolled candidate received.",
            required=False,
            nullable=True,
            identifier=True,
        ),
    ),
)

SCHEMAS: dict[str, TableSchema] = {
    schema.name: schema
    for schema in (
        SUBJECTS,
        LESIONS,
        MEASUREMENTS,
        RESPONSES_TABLE,
        ADVERSE_EVENTS,
        LABS,
        EXPOSURES,
        RADIOTHERAPY,
        BIOMARKERS,
        EVENTS,
        SURGERY,
        SCREENING,
    )
}
"""Every study table, by name, in documentation order."""
