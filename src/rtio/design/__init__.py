"""Trial design: sample size (single-arm and two-arm time-to-event, single-arm binary),
group-sequential boundaries, Monte-Carlo operating characteristics and randomization lists."""

from rtio.design.binary import BinaryDesign, simon_two_stage, single_stage
from rtio.design.group_sequential import group_sequential
from rtio.design.randomization import RandomizationList, minimization_list, randomization_list
from rtio.design.simulation import SimulationResult, simulate_two_arm
from rtio.design.single_arm import SingleArmDesign, single_arm_survival
from rtio.design.two_arm import TwoArmDesign, two_arm_survival

__all__ = [
    "BinaryDesign",
    "RandomizationList",
    "SimulationResult",
    "SingleArmDesign",
    "TwoArmDesign",
    "group_sequential",
    "minimization_list",
    "randomization_list",
    "simon_two_stage",
    "simulate_two_arm",
    "single_arm_survival",
    "single_stage",
    "two_arm_survival",
]
