"""Screening with rtio's eligibility engine, consent, registration and concealed randomization
(seed 003: NCT07235319, randomization-stage criterion I8)."""

from __future__ import annotations

import pytest


def test_screening_shows_each_verdict_with_the_engines_reason(capture, helpers):
    from rtio.capture import services
    from rtio.eligibility import screen
    from rtio.protocol import load_protocol

    coord = capture.users["coord_a"]
    sid = capture.new_id()
    services.create_subject(coord, "web", helpers.subject_payload(sid, "A"))
    facts = helpers.eligible_facts_003() | {"ecog": 2, "anc": 1.2}
    made = services.screen_subject(coord, "web", sid, "registration", facts)
    assert made.verdict == "ineligible"
    by_id = {d["criterion"]: d for d in made.details}
    assert by_id["I3"]["status"] == "not_met" and "2" in by_id["I3"]["reason"]
    assert by_id["I9"]["status"] == "not_met" and "1.2" in by_id["I9"]["reason"]
    assert "I8" not in by_id  # I8 is checked at randomization
    # the same verdicts as rtio.eligibility.screen on the registration criteria
    protocol = load_protocol("NCT07235319")
    import pandas as pd

    wide = {k: v for k, v in facts.items() if not k.startswith("manual_") and k != "screening_date"}
    frame = pd.DataFrame([{"candidate_id": sid, **wide}])
    for col in [c for c in frame if c.endswith("_date")]:
        frame[col] = pd.to_datetime(frame[col])
    direct = screen(protocol, frame, screening_date=facts["screening_date"], stage="registration")
    for row in direct.details.itertuples():
        if row.status != "manual":  # the service asks the manual ones as yes / no questions
            assert by_id[row.criterion]["status"] == row.status, row.criterion
            assert by_id[row.criterion]["reason"] == row.reason, row.criterion
    assert (
        services.latest_screening(services.get_subject(coord, sid), "registration").verdict
        == "ineligible"
    )


def test_registration_needs_eligibility_and_consent(capture, helpers):
    from rtio.capture import services
    from rtio.capture.policy import ConflictError, ForbiddenError

    coord, inv = capture.users["coord_a"], capture.users["inv_a"]
    sid = capture.new_id()
    services.create_subject(coord, "api", helpers.subject_payload(sid, "A"))
    services.screen_subject(
        coord, "api", sid, "registration", helpers.eligible_facts_003() | {"manual_I6": None}
    )
    services.record_consent(coord, "api", sid, "2026-01-04")
    with pytest.raises(ConflictError, match="verdict is pending"):
        services.register(coord, "api", sid)
    # an override needs the investigator role and the investigator's password
    with pytest.raises(ForbiddenError):
        services.register(coord, "api", sid, "life expectancy confirmed by PI", "x")
    with pytest.raises(ForbiddenError, match="password"):
        services.register(inv, "api", sid, "life expectancy confirmed by PI", "wrong")
    made = services.register(
        inv, "api", sid, "life expectancy confirmed by PI", helpers.password("inv_a")
    )
    assert made.status == "registered" and made.arm is None
    screening = services.latest_screening(made, "registration")
    assert screening.override_reason == "life expectancy confirmed by PI"

    other = capture.new_id()
    services.create_subject(coord, "api", helpers.subject_payload(other, "A"))
    services.screen_subject(coord, "api", other, "registration", helpers.eligible_facts_003())
    with pytest.raises(ConflictError, match="consent"):
        services.register(coord, "api", other)


def test_randomization_is_stratified_recorded_and_concealed(capture, helpers):
    from rtio.capture import services
    from rtio.capture.api import randomization_status
    from rtio.capture.models import Allocation, AuditEntry
    from rtio.capture.policy import ConflictError
    from rtio.design import randomization_list

    coord = capture.users["coord_a"]
    sid = capture.enrol("A", randomize=False)
    with pytest.raises(ConflictError, match="randomization eligibility verdict is not screened"):
        services.randomize_subject(coord, "api", sid)
    services.screen_subject(
        coord,
        "api",
        sid,
        "randomization",
        helpers.randomization_facts_003() | {"induction_response": "SD"},
    )
    with pytest.raises(ConflictError, match="ineligible"):
        services.randomize_subject(coord, "api", sid)
    services.screen_subject(coord, "api", sid, "randomization", helpers.randomization_facts_003())
    slot = services.randomize_subject(coord, "api", sid)
    # the slot is the next one of the stratum in the list rtio.design makes from the locked seed
    expected = randomization_list(
        40,
        arms=["Immediate locoregional radiotherapy", "Salvage locoregional radiotherapy"],
        strata={"stage": ["IVA", "IVB"]},
        block_multiples=[1, 2],
        seed=20260201,
    ).table
    row = expected[expected["randomization_id"] == slot.randomization_id].iloc[0]
    assert (row["stratum"], row["arm"]) == ("stage=IVB", slot.arm)
    used = Allocation.objects.filter(stratum="stage=IVB", subject__isnull=False).order_by(
        "sequence"
    )
    assert [a.sequence for a in used] == list(range(1, used.count() + 1))
    assert slot.allocated_by == "coord_a" and slot.strata_values == {"stage": "IVB"}
    assert AuditEntry.objects.filter(subject_id=sid, action="randomize", field="arm").count() == 1
    with pytest.raises(ConflictError, match="already randomized"):
        services.randomize_subject(coord, "api", sid)
    # only the unblinded statistician sees the list
    for name in ("coord_a", "inv_a", "monitor", "dm", "stat_blind", "admin"):
        assert "list" not in randomization_status(capture.users[name])
        assert "setup" not in randomization_status(capture.users[name])
    status = randomization_status(capture.users["stat_unblind"])
    assert len(status["list"]) == Allocation.objects.count()


def test_blinded_statistician_sees_no_arm(capture):
    sid = capture.enrol("A")
    response = capture.api("stat_blind").get(f"/api/subjects/{sid}/")
    body = response.json()
    assert body["subject"]["arm"] == "(blinded)" and body["subject"]["stratum"] == "(blinded)"
    assert (
        "Immediate" not in response.content.decode() and "Salvage" not in response.content.decode()
    )
    unblinded = capture.api("stat_unblind").get(f"/api/subjects/{sid}/").json()
    assert unblinded["subject"]["arm"].endswith("locoregional radiotherapy")


def test_list_cannot_change_after_go_live(capture):
    from django.db import DatabaseError, transaction

    from rtio.capture.audit import Actor
    from rtio.capture.models import Allocation
    from rtio.capture.policy import ConflictError
    from rtio.capture.study import go_live

    with pytest.raises(ConflictError, match="cannot be changed"):
        go_live(
            Actor("cli:test", "admin", "cli"),
            {
                "method": "blocks",
                "strata": {},
                "seed": 1,
                "n_per_stratum": 4,
                "ratio": None,
                "block_multiples": [1],
                "p_best": 0.8,
            },
        )
    slot = Allocation.objects.filter(subject__isnull=True).first()
    with pytest.raises(DatabaseError, match="locked"), transaction.atomic():
        Allocation.objects.filter(pk=slot.pk).update(arm="Salvage locoregional radiotherapy x")
    with pytest.raises(DatabaseError, match="locked"), transaction.atomic():
        Allocation.objects.filter(pk=slot.pk).delete()
    used = Allocation.objects.filter(subject__isnull=False).first()
    if used is not None:
        free = Allocation.objects.filter(subject__isnull=True).first()
        with pytest.raises(DatabaseError), transaction.atomic():
            Allocation.objects.filter(pk=free.pk).update(subject=used.subject)


def test_api_never_sets_the_arm(capture, helpers):
    client = capture.api("coord_a")
    sid = capture.new_id()
    response = client.post(
        "/api/subjects/",
        helpers.subject_payload(sid, "A", arm="Salvage locoregional radiotherapy"),
        content_type="application/json",
    )
    assert response.status_code == 400 and "randomization" in response.json()["error"]
    enrolled = capture.enrol("A")
    response = client.patch(
        f"/api/subjects/{enrolled}/",
        {"arm": "x", "reason": "typo"},
        content_type="application/json",
    )
    assert response.status_code == 400


def test_screening_log_feeds_the_trial_profile(capture, helpers):
    from rtio.capture import services
    from rtio.capture.export import study_tables
    from rtio.capture.models import Subject
    from rtio.eligibility import trial_profile

    coord = capture.users["coord_a"]
    failed = capture.new_id()
    services.create_subject(coord, "web", helpers.subject_payload(failed, "A"))
    services.screen_subject(
        coord, "web", failed, "registration", helpers.eligible_facts_003() | {"hiv": True}
    )
    enrolled = capture.enrol("A")
    tables = study_tables(list(Subject.objects.filter(subject_id__in=[failed, enrolled])))
    log = tables["screening"].set_index("candidate_id")
    assert log.loc[failed, "outcome"] == "excluded" and log.loc[failed, "reason"].startswith("E9")
    assert log.loc[enrolled, "outcome"] == "enrolled"
    profile = trial_profile(tables["screening"], tables["subjects"])
    assert (profile["screened"], profile["excluded"], profile["enrolled"]) == (2, 1, 1)
    assert profile["excluded_by_reason"] == {"E9: HIV infection": 1}


def test_minimization_replays_rtio_design_with_the_locked_seed(capture, helpers):
    """With a minimization set-up, each allocation is the last row of
    rtio.design.minimization_list over every allocation so far plus the new subject."""
    import pandas as pd
    from django.db import transaction

    from rtio.capture import services
    from rtio.capture.models import Allocation, StudyConfig
    from rtio.design import minimization_list

    setup = {**capture_setup(), "method": "minimization", "seed": 11, "p_best": 0.8}
    made = []
    with transaction.atomic():
        StudyConfig.objects.update(randomization=setup)
        for stage in ("IVA", "IVB", "IVB", "IVA", "IVB"):
            sid = capture.enrol("A", randomize=False, stage=stage)
            services.screen_subject(
                capture.users["coord_a"],
                "api",
                sid,
                "randomization",
                helpers.randomization_facts_003(),
            )
            made.append(services.randomize_subject(capture.users["coord_a"], "api", sid))
        done = Allocation.objects.exclude(subject__isnull=True).order_by("allocated_at", "pk")
        patients = pd.DataFrame([a.strata_values for a in done], columns=["stage"])
        expected = minimization_list(patients, ["stage"], arms=setup["arms"], p_best=0.8, seed=11)
        transaction.set_rollback(True)
    assert [m.arm for m in made] == expected["arm"].tolist()[-len(made) :]
    assert all(m.randomization_id.startswith("M") for m in made)


def capture_setup():
    from rtio.capture.models import StudyConfig

    return dict(StudyConfig.objects.get().randomization)
