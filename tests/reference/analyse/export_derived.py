"""Write the derived analysis data sets (ADTTE, BOR) of the reference studies for
analyse_reference.R: PFS and BOR come from rtio's RECIST derivations (tested against R and
published examples elsewhere); everything the R script computes from them is computed by R.
For the small seed-001 cohort (33 patients, seed 12) it writes the counting-process data of the
IO-cycle categories (rtio.cohort.counting_process, tested against R survival's jasa1 elsewhere)
for failures_reference.R, and the competing first events (time, cause, arm) of the small
NCT07235319 study (33 patients, seed 1; simulated once, labs left out) for its Gray's tests.

Run from the repository root: python tests/reference/analyse/export_derived.py
"""

from pathlib import Path

from rtio.analyse.arms import study_arms
from rtio.analyse.cohort import IMMUNOTHERAPY_DRUGS, cycle_categories
from rtio.analyse.derived import derive_study
from rtio.cohort import counting_process, cycle_category_times, overall_survival
from rtio.derive.lesions_rt import lesion_trajectories, progression_causes, progression_field
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

cohort = load_study(HERE / "studies" / "cohort33_seed12")
categories = cycle_categories(cohort)
assert categories is not None
subjects = cohort.tables["subjects"]
changes = cycle_category_times(
    subjects, cohort.tables["exposures"], IMMUNOTHERAPY_DRUGS, categories[1]
)
process = counting_process(overall_survival(subjects, cohort.settings.data_cutoff), changes)
out = HERE / "derived" / "cohort33_seed12"
out.mkdir(parents=True, exist_ok=True)
process.to_csv(out / "io_cycles_counting.csv", index=False)
print("cohort33_seed12", len(process), "counting-process rows ->", out)

npc = load_study(HERE / "studies" / "npc33_seed1")
derived = derive_study(npc)
trajectories = lesion_trajectories(
    npc.tables["lesions"],
    npc.tables["measurements"],
    npc.tables["subjects"],
    npc.tables["radiotherapy"],
    derived.baseline_window_days,
)
assert derived.timepoints is not None
events = progression_causes(derived.adtte, progression_field(trajectories, derived.timepoints))
events["arm"] = events["subject_id"].map(study_arms(npc).of_subject)
events.to_csv(HERE / "gray_per_cause_events.csv", index=False)
print("npc33_seed1", len(events), "competing first events ->", HERE)
