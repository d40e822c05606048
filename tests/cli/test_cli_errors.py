"""Broken studies and command-line misuses: every command, at least five kinds of bad input each.

Each case asserts the exit status (1: the data; 2: the command line), a message that names the
file / row / column or the option and what would be valid, and that no traceback reaches the user.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from rtio.cli.main import app
from rtio.protocol.loader import _shipped_dir

RECORD = Path(__file__).parents[1] / "eligibility" / "data" / "NCT07164690_ctgov_v2.json"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell of a CSV (``row`` 1-based among the data rows, i.e. spreadsheet row + 1)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[row].split(",")
    cells[header.index(column)] = value
    lines[row] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# ---- broken studies: name -> how to break a copy of a valid simulated study ----
BREAKS: dict[str, Callable[[Path], None]] = {
    "valid": lambda d: None,
    "empty": lambda d: [p.unlink() for p in d.glob("*.*")],
    "unknown_protocol": lambda d: _edit(d / "study.yaml", "ChiCTR2100046715", "NCT99999999"),
    "misspelt_column": lambda d: _edit(d / "subjects.csv", "start_date", "strat_date"),
    "bad_date": lambda d: _set_cell(d / "subjects.csv", 2, "start_date", "03/05/2021"),
    "bad_sex": lambda d: _set_cell(d / "subjects.csv", 2, "sex", "X"),
    "latin1": lambda d: (d / "subjects.csv").write_bytes(
        (d / "subjects.csv")
        .read_text(encoding="utf-8")
        .replace("upper", "supérieur", 1)
        .replace("middle", "supérieur", 1)
        .encode("latin-1")
    ),
    "bad_yaml": lambda d: (d / "study.yaml").write_text("protocol: [oops\n", encoding="utf-8"),
    "unknown_lesion": lambda d: _set_cell(d / "measurements.csv", 1, "lesion_id", "L99"),
    "header_only_subjects": lambda d: (d / "subjects.csv").write_text(
        (d / "subjects.csv").read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8"
    ),
    "duplicate_subject": lambda d: (d / "subjects.csv").write_text(
        (d / "subjects.csv").read_text(encoding="utf-8")
        + (d / "subjects.csv").read_text(encoding="utf-8").splitlines()[1]
        + "\n",
        encoding="utf-8",
    ),
    "no_subjects": lambda d: (d / "subjects.csv").unlink(),
    "bad_grade": lambda d: _set_cell(d / "adverse_events.csv", 1, "grade", "9"),
    "bad_status": lambda d: _set_cell(d / "measurements.csv", 1, "status", "presnt"),
    "non_numeric_age": lambda d: _set_cell(d / "subjects.csv", 3, "age", "old"),
}


@pytest.fixture(scope="module")
def broken(simulated, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """A study broken in one way (made once per module)."""
    made: dict[str, Path] = {}
    base = simulated("ChiCTR2100046715", 8)

    def make(kind: str) -> Path:
        if kind not in made:
            folder = tmp_path_factory.mktemp("broken") / kind
            shutil.copytree(base, folder)
            BREAKS[kind](folder)
            made[kind] = folder
        return made[kind]

    return make


@dataclass
class Files:
    """Files and folders the cases point at (made per test in tmp_path)."""

    tmp: Path
    broken: Callable[[str], Path]

    def study(self, kind: str) -> str:
        return str(self.broken(kind))

    def inside(self, kind: str) -> str:
        return str(self.broken(kind) / "out")

    def file(self, name: str, text: str) -> str:
        path = self.tmp / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def raw(self, name: str, data: bytes) -> str:
        path = self.tmp / name
        path.write_bytes(data)
        return str(path)

    def candidates(self, name: str = "cands.csv", **columns: list) -> str:
        data = {"candidate_id": ["a", "b"], "screening_date": ["2026-01-10"] * 2, **columns}
        path = self.tmp / name
        pd.DataFrame(data).to_csv(path, index=False)
        return str(path)

    def protocol_copy(self) -> str:
        path = self.tmp / "mine.yaml"
        shutil.copy(_shipped_dir() / "NCT07164690.yaml", path)
        return str(path)

    @property
    def missing(self) -> str:
        return str(self.tmp / "does-not-exist")

    @property
    def a_file(self) -> str:
        return self.file("plain.txt", "x\n")

    @property
    def a_folder(self) -> str:
        folder = self.tmp / "folder"
        folder.mkdir(exist_ok=True)
        return str(folder)


@dataclass
class Case:
    name: str
    args: Callable[[Files], list[str]]
    code: int
    message: str  # a regular expression searched in the output


SHIPPED = "ChiCTR2100046715"
CASES = [
    # ---- rtio validate ----
    Case("validate/missing-folder", lambda f: ["validate", f.missing], 2, r"does not exist"),
    Case("validate/a-file", lambda f: ["validate", f.a_file], 2, r"is a file"),
    Case("validate/empty", lambda f: ["validate", f.study("empty")], 1, r"subjects"),
    Case(
        "validate/misspelt-column",
        lambda f: ["validate", f.study("misspelt_column"), "--json"],
        1,
        r"start_date",
    ),
    Case("validate/bad-sex", lambda f: ["validate", f.study("bad_sex"), "--json"], 1, r'"X"'),
    Case(
        "validate/unknown-protocol",
        lambda f: ["validate", f.study("unknown_protocol"), "--json"],
        1,
        r"unknown protocol 'NCT99999999'",
    ),
    Case(
        "validate/unknown-option",
        lambda f: ["validate", f.study("valid"), "--jsn"],
        2,
        r"No such option",
    ),
    # ---- rtio derive ----
    Case("derive/missing-folder", lambda f: ["derive", f.missing], 2, r"does not exist"),
    Case(
        "derive/bad-format",
        lambda f: ["derive", f.study("valid"), "--format", "xml"],
        2,
        r"'xml' is not one of 'csv', 'parquet', 'xlsx'",
    ),
    Case(
        "derive/out-inside-study",
        lambda f: ["derive", f.study("valid"), "--out", f.inside("valid")],
        2,
        r"outputs never go into an input folder",
    ),
    Case(
        "derive/out-is-a-file",
        lambda f: ["derive", f.study("valid"), "--out", f.a_file],
        2,
        r"exists and is a file",
    ),
    Case(
        "derive/misspelt-column",
        lambda f: ["derive", f.study("misspelt_column")],
        1,
        r"subjects\.csv, column 'start_date': required column",
    ),
    Case(
        "derive/unknown-lesion",
        lambda f: ["derive", f.study("unknown_lesion")],
        1,
        r"measurements\.csv, row 2, column 'subject_id \+ lesion_id'",
    ),
    Case(
        "derive/negative-window",
        lambda f: ["derive", f.study("valid"), "--baseline-window-days", "-1"],
        2,
        r"--baseline-window-days",
    ),
    # ---- rtio analyse ----
    Case("analyse/missing-folder", lambda f: ["analyse", f.missing], 2, r"does not exist"),
    Case(
        "analyse/bad-date",
        lambda f: ["analyse", f.study("bad_date")],
        1,
        r"subjects\.csv.*start_date|start_date.*subjects\.csv",
    ),
    Case(
        "analyse/duplicate-subject",
        lambda f: ["analyse", f.study("duplicate_subject")],
        1,
        r"subjects\.csv, row 10, column 'subject_id': value 'S0001': duplicate",
    ),
    Case(
        "analyse/out-inside-study",
        lambda f: ["analyse", f.study("valid"), "--out", f.inside("valid")],
        2,
        r"outputs never go into an input folder",
    ),
    Case("analyse/latin1", lambda f: ["analyse", f.study("latin1")], 1, r"subjects\.csv"),
    Case("analyse/bad-yaml", lambda f: ["analyse", f.study("bad_yaml")], 1, r"study\.yaml"),
    Case(
        "analyse/non-numeric-age",
        lambda f: ["analyse", f.study("non_numeric_age")],
        1,
        r"subjects\.csv, row 4, column 'age'",
    ),
    # ---- rtio report ----
    Case("report/missing-folder", lambda f: ["report", f.missing], 2, r"does not exist"),
    Case(
        "report/bad-format",
        lambda f: ["report", f.study("valid"), "--format", "html,xml"],
        2,
        r"--format: unknown format\(s\) xml; choose from html, docx, pdf",
    ),
    Case(
        "report/no-format",
        lambda f: ["report", f.study("valid"), "--format", ","],
        2,
        r"--format: unknown format",
    ),
    Case(
        "report/out-inside-study",
        lambda f: ["report", f.study("valid"), "--out", f.inside("valid")],
        2,
        r"outputs never go into an input folder",
    ),
    Case(
        "report/bad-grade",
        lambda f: ["report", f.study("bad_grade")],
        1,
        r"adverse_events\.csv, row 2, column 'grade': value '9'",
    ),
    Case(
        "report/header-only-subjects",
        lambda f: ["report", f.study("header_only_subjects")],
        1,
        r"the subjects table has no rows",
    ),
    Case("report/no-subjects", lambda f: ["report", f.study("no_subjects")], 1, r"subjects"),
    Case("report/bad-status", lambda f: ["report", f.study("bad_status")], 1, r"'presnt'"),
    # ---- rtio screen ----
    Case(
        "screen/unknown-protocol",
        lambda f: ["screen", "NCT00000000", f.candidates()],
        2,
        r"unknown protocol 'NCT00000000': not a shipped id \(ChiCTR2100046715",
    ),
    Case("screen/missing-candidates", lambda f: ["screen", SHIPPED, f.missing], 2, r"no such file"),
    Case("screen/no-candidates", lambda f: ["screen", SHIPPED], 2, r"CANDIDATES"),
    Case(
        "screen/wrong-suffix",
        lambda f: ["screen", SHIPPED, f.a_file],
        2,
        r"candidates must be \.csv, \.parquet or \.xlsx",
    ),
    Case(
        "screen/no-candidate-id",
        lambda f: ["screen", SHIPPED, f.file("c.csv", "id,screening_date\na,2026-01-10\n")],
        1,
        r"c\.csv: missing column candidate_id",
    ),
    Case(
        "screen/non-numeric-value",
        lambda f: [
            "screen",
            "NCT07164690",
            f.candidates(platelets=[150, "lots"], platelets_unit=["10^9/L"] * 2),
        ],
        1,
        r"cands\.csv: column 'platelets', candidate 'b': value 'lots' is not a number",
    ),
    Case(
        "screen/bad-date",
        lambda f: ["screen", SHIPPED, f.candidates(age_date=["2026-01-01", "01/02/2026"])],
        1,
        r"cands\.csv, column 'age_date': not an ISO date YYYY-MM-DD \(row 3: '01/02/2026'\)",
    ),
    Case(
        "screen/unknown-unit",
        lambda f: [
            "screen",
            "NCT07164690",
            f.candidates(hemoglobin=[9, 10], hemoglobin_unit=["mmol/L", "g/L"]),
        ],
        1,
        r"column 'hemoglobin_unit', candidate 'a': value 'mmol/L' cannot be used.*known units",
    ),
    Case(
        "screen/bad-stage",
        lambda f: ["screen", SHIPPED, f.candidates(), "--stage", "enrolment"],
        2,
        r"'enrolment' is not one of 'registration', 'randomization'",
    ),
    Case(
        "screen/protocol-and-file",
        lambda f: ["screen", SHIPPED, f.candidates(), "--protocol-file", f.protocol_copy()],
        2,
        r"give either PROTOCOL or --protocol-file, not both",
    ),
    Case(
        "screen/out-is-the-candidates",
        lambda f: ["screen", SHIPPED, f.candidates(), "--out", str(f.tmp / "cands.csv")],
        2,
        r"inside the candidates file",
    ),
    Case(
        "screen/duplicate-candidate",
        lambda f: [
            "screen",
            SHIPPED,
            f.file("d.csv", "candidate_id,screening_date\na,2026-01-10\na,2026-01-11\n"),
        ],
        1,
        r"candidate_id 'a' appears on more than one row",
    ),
    Case(
        "screen/not-a-boolean",
        lambda f: ["screen", SHIPPED, f.candidates(cns_metastases=["true", "perhaps"])],
        1,
        r"column 'cns_metastases', candidate 'b': value 'perhaps' is not true / false",
    ),
    # ---- rtio simulate ----
    Case(
        "simulate/unknown-protocol",
        lambda f: ["simulate", "NCT0", "--out", str(f.tmp / "s")],
        2,
        r"'NCT0' is not a shipped protocol id; choose from ChiCTR2100046715",
    ),
    Case(
        "simulate/zero-subjects",
        lambda f: ["simulate", SHIPPED, "--n", "0", "--out", str(f.tmp / "s")],
        2,
        r"--n",
    ),
    Case(
        "simulate/n-not-a-number",
        lambda f: ["simulate", SHIPPED, "--n", "ten", "--out", str(f.tmp / "s")],
        2,
        r"--n",
    ),
    Case("simulate/no-out", lambda f: ["simulate", SHIPPED], 2, r"Missing option '--out'"),
    Case(
        "simulate/bad-format",
        lambda f: ["simulate", SHIPPED, "--format", "xml", "--out", str(f.tmp / "s")],
        2,
        r"--format: 'xml': choose csv or omop",
    ),
    Case(
        "simulate/negative-seed",
        lambda f: ["simulate", SHIPPED, "--seed", "-1", "--out", str(f.tmp / "s")],
        2,
        r"--seed",
    ),
    Case(
        "simulate/out-is-a-file",
        lambda f: ["simulate", SHIPPED, "--out", f.a_file],
        2,
        r"exists and is a file",
    ),
    # ---- rtio protocols ----
    Case("protocols/unknown-option", lambda f: ["protocols", "--all"], 2, r"No such option: --all"),
    Case(
        "protocols/extra-argument",
        lambda f: ["protocols", "NCT07164690"],
        2,
        r"unexpected extra argument",
    ),
    Case(
        "protocols/flag-with-value",
        lambda f: ["protocols", "--json=yes"],
        2,
        r"does not take a value",
    ),
    Case("protocols/short-option", lambda f: ["protocols", "-j"], 2, r"No such option: -j"),
    Case("protocols/typo", lambda f: ["protocol", "--jsn"], 2, r"No such option"),
    # ---- rtio protocol show ----
    Case(
        "protocol-show/unknown-id",
        lambda f: ["protocol", "show", "NCT00000000"],
        2,
        r"unknown protocol 'NCT00000000'",
    ),
    Case(
        "protocol-show/missing-file",
        lambda f: ["protocol", "show", "--protocol-file", f.missing],
        2,
        r"--protocol-file: .*does-not-exist: no such protocol file",
    ),
    Case(
        "protocol-show/not-yaml",
        lambda f: ["protocol", "show", "--protocol-file", f.file("p.yaml", "id: [x\n")],
        1,
        r"p\.yaml: not valid YAML \(line 2",
    ),
    Case(
        "protocol-show/invalid-field",
        lambda f: ["protocol", "show", "--protocol-file", f.file("p.yaml", "id: X\ntitle: T\n")],
        1,
        r"p\.yaml: \d+ invalid field\(s\).*disease: Field required",
    ),
    Case(
        "protocol-show/both",
        lambda f: ["protocol", "show", SHIPPED, "--protocol-file", f.protocol_copy()],
        2,
        r"not both",
    ),
    Case("protocol-show/nothing", lambda f: ["protocol", "show"], 2, r"give a shipped protocol id"),
    Case("protocol/unknown-subcommand", lambda f: ["protocol", "shw"], 2, r"No such command 'shw'"),
    # ---- rtio protocol import-ctgov ----
    Case(
        "import-ctgov/missing-file",
        lambda f: ["protocol", "import-ctgov", f.missing],
        2,
        r"does not exist",
    ),
    Case(
        "import-ctgov/not-json",
        lambda f: ["protocol", "import-ctgov", f.file("r.json", "{oops")],
        1,
        r"r\.json: not valid JSON \(line 1",
    ),
    Case(
        "import-ctgov/no-nct-id",
        lambda f: ["protocol", "import-ctgov", f.file("r.json", '{"protocolSection": {}}')],
        1,
        r"r\.json: record: missing protocolSection\.identificationModule\.nctId",
    ),
    Case(
        "import-ctgov/bad-age",
        lambda f: [
            "protocol",
            "import-ctgov",
            f.file(
                "r.json",
                json.dumps(
                    {
                        "protocolSection": {
                            "identificationModule": {"nctId": "NCT1"},
                            "eligibilityModule": {"minimumAge": "adult"},
                        }
                    }
                ),
            ),
        ],
        1,
        r"eligibilityModule\.minimumAge: cannot read age 'adult'",
    ),
    Case(
        "import-ctgov/out-is-a-folder",
        lambda f: ["protocol", "import-ctgov", str(RECORD), "--out", f.a_folder],
        2,
        r"is a folder; this command writes one file",
    ),
    Case(
        "import-ctgov/not-utf8",
        lambda f: ["protocol", "import-ctgov", f.raw("r.json", b'{"a": "\xe9"}')],
        1,
        r"r\.json: not UTF-8 text",
    ),
    # ---- rtio demo ----
    Case("demo/zero-patients", lambda f: ["demo", "--n", "0"], 2, r"--n"),
    Case("demo/n-not-a-number", lambda f: ["demo", "--n", "many"], 2, r"--n"),
    Case("demo/negative-seed", lambda f: ["demo", "--seed", "-3"], 2, r"--seed"),
    Case(
        "demo/out-is-a-file",
        lambda f: ["demo", "--out", f.a_file, "--n", "3"],
        2,
        r"exists and is a file",
    ),
    Case("demo/unknown-option", lambda f: ["demo", "--fast"], 2, r"No such option: --fast"),
    # ---- rtio design ... ----
    Case(
        "design-single/no-medians",
        lambda f: ["design", "single-arm-survival"],
        2,
        r"give --median-control and --median-target",
    ),
    Case(
        "design-single/target-below-control",
        lambda f: [
            "design",
            "single-arm-survival",
            "--median-control",
            "10",
            "--median-target",
            "5",
        ],
        2,
        r"median_target must exceed median_control",
    ),
    Case(
        "design-single/alpha-out-of-range",
        lambda f: ["design", "single-arm-survival", "--protocol", SHIPPED, "--alpha", "2"],
        2,
        r"--alpha.*2 is not a probability strictly between 0 and 1",
    ),
    Case(
        "design-single/unknown-protocol",
        lambda f: ["design", "single-arm-survival", "--protocol", "NCT0"],
        2,
        r"--protocol: unknown protocol 'NCT0'",
    ),
    Case(
        "design-single/protocol-without-plan",
        lambda f: ["design", "single-arm-survival", "--protocol", "yu2025-escc-local-rt"],
        2,
        r"has no statistical plan",
    ),
    Case(
        "design-single/bad-method",
        lambda f: ["design", "single-arm-survival", "--protocol", SHIPPED, "--method", "foo"],
        2,
        r"'foo' is not one of 'lachin', 'exponential', 'epstein', 'wu'",
    ),
    Case(
        "design-binary/missing-p0",
        lambda f: ["design", "single-arm-binary", "--p1", "0.3"],
        2,
        r"Missing option '--p0'",
    ),
    Case(
        "design-binary/p0-not-a-number",
        lambda f: ["design", "single-arm-binary", "--p0", "low", "--p1", "0.3"],
        2,
        r"--p0",
    ),
    Case(
        "design-binary/alpha-out-of-range",
        lambda f: ["design", "single-arm-binary", "--p0", "0.1", "--p1", "0.3", "--alpha", "5"],
        2,
        r"not a probability",
    ),
    Case(
        "design-binary/no-design",
        lambda f: ["design", "single-arm-binary", "--p0", "0.5", "--p1", "0.3"],
        2,
        r"no single-stage design",
    ),
    Case(
        "design-binary/unknown-option",
        lambda f: ["design", "single-arm-binary", "--p2", "1"],
        2,
        r"No such option",
    ),
    Case(
        "design-two-arm/zero-hazard-ratio",
        lambda f: ["design", "two-arm-survival", "--median-control", "10", "--hazard-ratio", "0"],
        2,
        r"--hazard-ratio.*0 is not a positive number",
    ),
    Case(
        "design-two-arm/missing-hazard-ratio",
        lambda f: ["design", "two-arm-survival", "--median-control", "10"],
        2,
        r"Missing option '--hazard-ratio'",
    ),
    Case(
        "design-two-arm/bad-spending",
        lambda f: [
            "design",
            "two-arm-survival",
            "--median-control",
            "10",
            "--hazard-ratio",
            "0.7",
            "--spending",
            "bogus",
        ],
        2,
        r"'bogus' is not one of 'obf', 'pocock'",
    ),
    Case(
        "design-two-arm/zero-looks",
        lambda f: [
            "design",
            "two-arm-survival",
            "--median-control",
            "10",
            "--hazard-ratio",
            "0.7",
            "--looks",
            "0",
        ],
        2,
        r"--looks",
    ),
    Case(
        "design-two-arm/power-out-of-range",
        lambda f: [
            "design",
            "two-arm-survival",
            "--median-control",
            "10",
            "--hazard-ratio",
            "0.7",
            "--power",
            "1.5",
        ],
        2,
        r"--power",
    ),
    Case(
        "design-simulate/zero-trials",
        lambda f: [
            "design",
            "simulate",
            "--median-control",
            "10",
            "--hazard-ratio",
            "0.7",
            "--n-trials",
            "0",
        ],
        2,
        r"--n-trials",
    ),
    Case(
        "design-simulate/missing-median",
        lambda f: ["design", "simulate", "--hazard-ratio", "0.7"],
        2,
        r"Missing option '--median-control'",
    ),
    Case(
        "design-simulate/negative-median",
        lambda f: ["design", "simulate", "--median-control", "-1", "--hazard-ratio", "0.7"],
        2,
        r"not a positive number",
    ),
    Case(
        "design-simulate/bad-spending",
        lambda f: [
            "design",
            "simulate",
            "--median-control",
            "10",
            "--hazard-ratio",
            "0.7",
            "--spending",
            "x",
        ],
        2,
        r"'x' is not one of",
    ),
    Case(
        "design-simulate/dropout-too-high",
        lambda f: [
            "design",
            "simulate",
            "--median-control",
            "10",
            "--hazard-ratio",
            "0.7",
            "--dropout-rate",
            "1",
        ],
        2,
        r"--dropout-rate",
    ),
    Case(
        "design-randomize/no-out",
        lambda f: ["design", "randomize", "--n-per-stratum", "4"],
        2,
        r"Missing option '--out'",
    ),
    Case(
        "design-randomize/bad-ratio",
        lambda f: [
            "design",
            "randomize",
            "--n-per-stratum",
            "4",
            "--ratio",
            "a,b",
            "--out",
            str(f.tmp / "l.csv"),
        ],
        2,
        r"--ratio: 'a,b': give whole numbers",
    ),
    Case(
        "design-randomize/ratio-count",
        lambda f: [
            "design",
            "randomize",
            "--n-per-stratum",
            "4",
            "--ratio",
            "1,1,1",
            "--out",
            str(f.tmp / "l.csv"),
        ],
        2,
        r"gives 3 numbers for 2 arms",
    ),
    Case(
        "design-randomize/bad-stratum",
        lambda f: [
            "design",
            "randomize",
            "--n-per-stratum",
            "4",
            "--stratum",
            "ECOG",
            "--out",
            str(f.tmp / "l.csv"),
        ],
        2,
        r"--stratum: 'ECOG': expected FACTOR=level1,level2",
    ),
    Case(
        "design-randomize/one-arm",
        lambda f: [
            "design",
            "randomize",
            "--n-per-stratum",
            "4",
            "--arms",
            "A",
            "--ratio",
            "1",
            "--out",
            str(f.tmp / "l.csv"),
        ],
        2,
        r"give two or more distinct arm labels",
    ),
    Case(
        "design-randomize/out-is-a-folder",
        lambda f: ["design", "randomize", "--n-per-stratum", "4", "--out", f.a_folder],
        2,
        r"is a folder",
    ),
    Case(
        "design/unknown-subcommand",
        lambda f: ["design", "sample-size"],
        2,
        r"No such command 'sample-size'",
    ),
    # ---- the command list itself ----
    Case(
        "rtio/unknown-command",
        lambda f: ["analyze"],
        2,
        r"No such command 'analyze'.*Did you mean 'analyse'",
    ),
]


def test_the_suite_is_broad_enough() -> None:
    """At least 40 kinds, and every registered command with at least five bad inputs."""
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)
    per_command: dict[str, int] = {}
    for case in CASES:
        command = case.name.split("/")[0].split("-")[0]
        per_command[command] = per_command.get(command, 0) + 1
    for command in (
        "validate",
        "derive",
        "analyse",
        "report",
        "screen",
        "simulate",
        "protocols",
        "protocol",
        "import",
        "demo",
        "design",
    ):
        assert per_command.get(command, 0) >= 5, (command, per_command)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_gets_a_clear_message_and_no_traceback(
    case: Case, broken, tmp_path: Path, runner: CliRunner
) -> None:
    args = case.args(Files(tmp_path, broken))
    result = runner.invoke(app, args)
    output = result.output
    assert "Traceback" not in output, output
    assert result.exit_code == case.code, output
    flat = re.sub(r"[│╭╮╰╯─]|\s+", " ", output)
    assert re.search(case.message, flat), flat
    if not isinstance(result.exception, SystemExit):
        pytest.fail(f"{type(result.exception).__name__} escaped: {result.exception}")


def test_debug_shows_the_traceback(broken) -> None:
    rtio = [sys.executable, "-c", "from rtio.cli.main import app; app()"]
    study = str(broken("misspelt_column"))
    plain = subprocess.run([*rtio, "derive", study], capture_output=True, text=True)
    assert plain.returncode == 1 and "Traceback" not in plain.stderr + plain.stdout
    debug = subprocess.run([*rtio, "derive", study, "--debug"], capture_output=True, text=True)
    assert debug.returncode != 0 and "Traceback" in debug.stderr
    assert "StudyValidationError" in debug.stderr


def test_an_internal_error_says_so_without_a_traceback(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import rtio.design as design

    def broken_design(*args, **kwargs):
        raise TypeError("unsupported operand")

    monkeypatch.setattr(design, "two_arm_survival", broken_design)
    result = runner.invoke(
        app, ["design", "two-arm-survival", "--median-control", "10", "--hazard-ratio", "0.7"]
    )
    assert result.exit_code == 3
    assert "internal error (TypeError: unsupported operand); rerun with --debug" in result.output
    assert "Traceback" not in result.output
