"""Every shipped protocol simulates to a valid study, deterministically."""

from pathlib import Path

import pytest

from rtio.io import validate_study
from rtio.protocol import list_protocols
from rtio.simulate.protocols import write_protocol_study


@pytest.mark.parametrize("protocol", list_protocols())
def test_each_protocol_simulates_a_valid_study(protocol, tmp_path: Path) -> None:
    folder = write_protocol_study(tmp_path / "s", protocol, 40, 5)
    report = validate_study(folder)
    assert report.ok, "\n".join(map(str, report.errors[:10]))
    again = write_protocol_study(tmp_path / "again", protocol, 40, 5)
    for path in folder.glob("*.csv"):
        assert path.read_bytes() == (again / path.name).read_bytes(), path.name
