"""Hypothesis strategies for study folders and in-memory tables, valid and broken.

A generated study starts from a small simulated one (``rtio.simulate``) and is changed the ways
files go wrong: any cell replaced by any text, number, date or Python value; columns renamed,
dropped, repeated or retyped; header-only tables; each table written as CSV (any encoding and
delimiter, trailing commas), Parquet (any column type) or XLSX; study.yaml edited.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from rtio.simulate import simulate_study

TEXTS = [
    "",
    " ",
    "NaN",
    "inf",
    "-1",
    "0",
    "1e9",
    "12.345",
    "1,5",
    "1,200",
    "2021-02-30",
    "2021-07",
    "0001-01-01",
    "9999-12-31",
    "1921-03-01",
    "44378",
    "2021-07-01T10:00",
    "01/07/2021",
    "true",
    "TRUE",
    "yes",
    "\u200bS0001",
    "S0001 ",
    "S0001",
    "S0002",
    "L1",
    "target",
    "Target",
    "present",
    "absent",
    "Fatigue",
    "Hypoproteinemia",
    "10^9/L",
    "g/dl",
    "<0.4",
    '=HYPERLINK("x")',
    "12345678901234567890123",
    "é",
    "x" * 300,
]


@cache
def base_tables() -> dict[str, pd.DataFrame]:
    """A clean simulated study (three subjects), every cell as its CSV text."""
    tables = simulate_study(3, 5)
    out = {}
    for name, frame in tables.items():
        if name.startswith("_"):
            continue
        text = frame.copy()
        for column in text.columns:
            values = text[column]
            if pd.api.types.is_datetime64_any_dtype(values):
                text[column] = values.dt.strftime("%Y-%m-%d").fillna("")
            elif pd.api.types.is_bool_dtype(values):
                text[column] = np.where(values, "true", "false")
            else:
                text[column] = values.astype(object).where(values.notna(), "").astype(str)
        out[name] = text.reset_index(drop=True)
    return out


SETTINGS = "protocol: ChiCTR2100046715\ndata_cutoff: '2023-10-12'\nctcae_version: '5.0'\n"


def cell_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(TEXTS),
        st.text(max_size=12),
        st.integers(min_value=-(10**25), max_value=10**25).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.dates(min_value=dt.date(1, 1, 1)).map(lambda d: d.isoformat()),
    )


def native_values(n: int) -> st.SearchStrategy[pd.Series]:
    """A column of ``n`` typed values, as Parquet or a frame in memory may hold them."""
    elements = st.sampled_from(
        [
            st.integers(min_value=-(2**63), max_value=2**63 - 1),
            st.integers(min_value=0, max_value=10),
            st.floats(allow_nan=True, allow_infinity=True),
            st.booleans(),
            st.datetimes(min_value=dt.datetime(1700, 1, 1), max_value=dt.datetime(2200, 1, 1)),
            st.dates(min_value=dt.date(1, 1, 1)),
            st.text(max_size=8),
            st.sampled_from(TEXTS),
            st.decimals(allow_nan=False, allow_infinity=False, places=3),
        ]
    )
    return elements.flatmap(
        lambda e: st.lists(st.one_of(e, st.none()), min_size=n, max_size=n)
    ).map(lambda values: pd.Series(values, dtype=object))


@dataclass
class Table:
    """One table as it will be written."""

    frame: pd.DataFrame
    fmt: str = "csv"
    encoding: str = "utf-8"
    delimiter: str = ","
    trailing_comma: bool = False
    header_only: bool = False
    typed: dict[str, pd.Series] = field(default_factory=dict)


@dataclass
class GeneratedStudy:
    """A generated study folder's content; :meth:`write` puts it on disk."""

    tables: dict[str, Table]
    settings: str = SETTINGS

    def write(self, folder: Path) -> Path:
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        (folder / "study.yaml").write_text(self.settings)
        for name, table in self.tables.items():
            frame = table.frame.iloc[0:0] if table.header_only else table.frame
            if table.fmt == "parquet":
                out = frame.copy()
                for column, values in table.typed.items():
                    out[column] = values.to_numpy() if not table.header_only else values.iloc[0:0]
                try:
                    out.to_parquet(folder / f"{name}.parquet", index=False)
                except Exception:  # a column pyarrow cannot store: write it as text
                    out.astype(str).to_parquet(folder / f"{name}.parquet", index=False)
            elif table.fmt == "xlsx":
                frame.to_excel(folder / f"{name}.xlsx", index=False)
            else:
                text = frame.to_csv(index=False, sep=table.delimiter)
                if table.trailing_comma:
                    text = text.replace("\n", table.delimiter + "\n")
                (folder / f"{name}.csv").write_bytes(text.encode(table.encoding, errors="replace"))
        return folder

    def subject_rows(self) -> int | None:
        """Subjects written (None when the subjects table is not written as generated)."""
        table = self.tables.get("subjects")
        if table is None:
            return None
        return 0 if table.header_only else len(table.frame)


@st.composite
def studies(draw: st.DrawFn, broken: bool = True) -> GeneratedStudy:
    """A study folder's content: the simulated base changed by up to a few corruptions."""
    base = base_tables()
    names = draw(
        st.lists(st.sampled_from(sorted(base)), unique=True, max_size=len(base)).map(
            lambda dropped: [n for n in base if n not in dropped or n == "subjects"]
        )
    )
    tables = {name: Table(base[name].copy()) for name in names}
    for _ in range(draw(st.integers(min_value=0, max_value=6 if broken else 0))):
        name = draw(st.sampled_from(sorted(tables)))
        table = tables[name]
        frame = table.frame
        action = draw(
            st.sampled_from(
                [
                    "cell",
                    "cell",
                    "cell",
                    "rename",
                    "drop_column",
                    "duplicate_row",
                    "header_only",
                    "format",
                    "encoding",
                    "delimiter",
                    "trailing_comma",
                    "typed",
                    "extra_column",
                ]
            )
        )
        if action == "cell" and len(frame):
            row = draw(st.integers(min_value=0, max_value=len(frame) - 1))
            column = draw(st.sampled_from(list(frame.columns)))
            frame.loc[row, column] = draw(cell_text())
        elif action == "rename" and len(frame.columns):
            column = draw(st.sampled_from(list(frame.columns)))
            new = draw(
                st.sampled_from(
                    [column.upper(), column.title(), f" {column}", column + "\u200b", "", "x"]
                )
            )
            table.frame = frame.rename(columns={column: new})
        elif action == "drop_column" and len(frame.columns) > 1:
            table.frame = frame.drop(columns=draw(st.sampled_from(list(frame.columns))))
        elif action == "duplicate_row" and len(frame):
            table.frame = pd.concat([frame, frame.iloc[[0]]], ignore_index=True)
            table.typed = {
                column: pd.concat([values, values.iloc[[0]]], ignore_index=True)
                for column, values in table.typed.items()
            }
        elif action == "header_only":
            table.header_only = True
        elif action == "format":
            table.fmt = draw(st.sampled_from(["csv", "parquet", "xlsx"]))
        elif action == "encoding":
            table.encoding = draw(st.sampled_from(["utf-8-sig", "utf-16", "latin-1", "cp1252"]))
        elif action == "delimiter":
            table.delimiter = draw(st.sampled_from([";", "\t", "|"]))
        elif action == "trailing_comma":
            table.trailing_comma = True
        elif action == "typed" and len(frame.columns):
            table.fmt = "parquet"
            column = draw(st.sampled_from(list(frame.columns)))
            table.typed[column] = draw(native_values(len(frame)))
        elif action == "extra_column":
            table.frame = frame.assign(**{draw(st.sampled_from(["note", "Note", ""])): "x"})
    settings = SETTINGS
    if broken and draw(st.booleans()):
        settings = draw(
            st.sampled_from(
                [
                    SETTINGS.replace("2023-10-12", "2021-06-01"),
                    SETTINGS.replace("2023-10-12", "2023-14-12"),
                    SETTINGS.replace("ChiCTR2100046715", "../../protocol.yaml"),
                    SETTINGS.replace("ChiCTR2100046715", "/etc/passwd"),
                    SETTINGS + "data_cut_off: 2020-01-01\n",
                    SETTINGS.replace("'5.0'", "'4.03'"),
                    "protocol: [\n",
                    "",
                ]
            )
        )
    return GeneratedStudy(tables, settings)


@st.composite
def memory_tables(draw: st.DrawFn) -> dict[str, pd.DataFrame]:
    """Tables as the capture service or an importer may hand them over: the base tables with
    columns replaced by typed values of any kind."""
    base = base_tables()
    out = {}
    for name in draw(st.lists(st.sampled_from(sorted(base)), unique=True, min_size=1)):
        frame = base[name].copy()
        for column in draw(st.lists(st.sampled_from(list(frame.columns)), unique=True, max_size=3)):
            frame[column] = draw(native_values(len(frame))).to_numpy()
        out[name] = frame
    if "subjects" not in out and draw(st.booleans()):
        out["subjects"] = base["subjects"].copy()
    return out


__all__ = [
    "GeneratedStudy",
    "Table",
    "base_tables",
    "cell_text",
    "memory_tables",
    "native_values",
    "studies",
]
