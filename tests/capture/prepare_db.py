"""Prepare a capture database for a test server (run as a script, in its own process):
freeze the study, create the users of a JSON spec, print their API tokens as JSON.

    python prepare_db.py DATABASE_URL STUDY_DIR '{"users": {...}, "go_live": {...}}'
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> None:
    url, study, spec_text = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    spec = json.loads(spec_text)
    from rtio.capture.config import configure

    configure(url, migrate=True)
    from rtio.capture.audit import Actor
    from rtio.capture.services import create_user, issue_token
    from rtio.capture.study import ensure_study, go_live

    actor = Actor("cli:test", "admin", "cli")
    ensure_study(study, actor)
    tokens = {}
    for name, (role, sites) in spec["users"].items():
        create_user(actor, name, role, sites, f"pw-{name}-secret")
        tokens[name] = issue_token(actor, name)
    if spec.get("go_live"):
        go_live(actor, spec["go_live"])
    print(json.dumps(tokens))


if __name__ == "__main__":
    main()
