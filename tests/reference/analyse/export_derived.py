"""Write the derived analysis data sets (ADTTE, BOR) of the reference studies for
analyse_reference.R: PFS and BOR come from rtio's RECIST derivations (tested against R and
published examples elsewhere); everything the R script computes from them is computed by R.

Run from the repository root: python tests/reference/analyse/export_derived.py
"""

from pathlib import Path

from rtio.analyse.derived import derive_study
from rtio.io import load_study

HERE = Path(__file__).parent
STUDIES = {
    "npc300": HERE / "studies" / "npc300",
    "cohort300": HERE / "studies" / "cohort300",
    "seed004": HERE.parents[1] / "analyse" / "data" / "demo_study",
}

for name, folder in STUDIES.items():
    derived = derive_study(load_study(folder))
    out = HERE / "derived" / name
    out.mkdir(parents=True, exist_ok=True)
    columns = ["subject_id", "paramcd", "aval_days", "aval_months", "cnsr"]
    derived.adtte[columns].to_csv(out / "adtte.csv", index=False)
    if derived.bor is not None:
        derived.bor[["subject_id", "bor"]].to_csv(out / "bor.csv", index=False)
    print(name, len(derived.adtte), "ADTTE rows ->", out)
