"""The case-page benchmark's set-up: two demo cases given a whole intervention record.

Run by :mod:`buoy.bench.web` as ``python -m buoy.bench.casepage_setup`` inside its throw-away
BUOY_HOME (the demo department loaded). The *light* case gets one coded passage, a confirmed
map, a plan with one goal, one review, one session and one referral; the *heavy* case the
same kinds of rows many times over (``HEAVY``), so the two pages' figures side by side show
whether a case page costs more as its casework grows. Prints ``light_id heavy_id``.
"""

from __future__ import annotations

import os
import sys
from typing import Any

# How many of each row the heavy case gets; the light case gets one of each.
HEAVY = {"passages": 60, "sessions": 40, "reviews": 10, "referrals": 8}
LIGHT = dict.fromkeys(HEAVY, 1)
LEVELS = ["much less than expected", "less", "as expected", "more", "much more than expected"]


def main(argv: list[str]) -> None:
    """Give the first two open cases of demo-worker their records; print their ids."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "buoy.config.settings"
    import django

    django.setup()
    from buoy.access.models import User
    from buoy.cases.domain.phases import OPEN_PHASES
    from buoy.cases.models import Case

    worker = User.objects.get(username="demo-worker")
    supervisor = User.objects.get(username="demo-supervisor")
    cases = list(
        Case.objects.filter(assigned_worker=worker, phase__in=[p.value for p in OPEN_PHASES])
        .exclude(plans__isnull=False)
        .order_by("pk")[:2]
    )
    light, heavy = cases
    give_record(light, worker, supervisor, LIGHT, tag="light")
    give_record(heavy, worker, supervisor, HEAVY, tag="heavy")
    print(light.pk, heavy.pk)


def give_record(case: Any, worker: Any, supervisor: Any, counts: dict[str, int], tag: str) -> None:
    """One coded interview, a confirmed map drafted from it, a plan, its reviews, sessions and
    referrals, all through the services (access checks and audit as for a person)."""
    from buoy.coding import services as coding_services
    from buoy.plans import services
    from buoy.plans.models import Technique

    caregiver = case.caregivers.order_by("pk")[0]
    project = coding_services.casework_project()
    passage = "我每天记下医生说的话，也学着看懂血常规。"
    text = "\n".join(f"妈妈：{passage}" for _ in range(counts["passages"]))
    transcript = coding_services.import_transcript(
        actor=worker,
        project=project,
        filename="",
        pasted=text,
        case=case,
        caregiver=caregiver,
        title=f"Benchmark interview ({tag})",
    )
    labels = ["P-IND-01", "P-FAM-04", "R-ECO-01", "R-IND-02"]
    codes = {code.label: code.pk for code in project.codes.filter(label__in=labels)}
    at = 0
    for number in range(counts["passages"]):
        start = transcript.text.index(passage, at)
        at = start + len(passage)
        coding_services.apply_codes(
            actor=worker,
            transcript=transcript,
            code_ids=[codes[labels[number % len(labels)]]],
            start=start,
            end=at,
        )
    draft = services.draft_factor_map(actor=worker, case=case, caregiver=caregiver)
    services.confirm_factor_map(actor=worker, factor_map=draft)
    plan = services.make_plan(
        actor=worker,
        case=case,
        caregiver=caregiver,
        goals=[
            {"text": "我能看懂孩子的血常规", "ability": "A", "levels": LEVELS},
            {"text": "我们申请到一笔基金", "ability": "B", "levels": LEVELS, "weight": 2},
        ],
        planned_sessions=8,
    )
    goals = list(plan.goals.order_by("pk"))
    for number in range(counts["reviews"]):
        level = min(2, number // 3 - 1)
        services.review_goals(actor=worker, plan=plan, levels={g.pk: level for g in goals})
    techniques = list(Technique.objects.filter(active=True).order_by("pk")[:3])
    for _ in range(counts["sessions"]):
        services.record_session(
            actor=worker,
            case=case,
            held_on=case.opened_on,
            minutes=45,
            mode="bedside",
            caregivers=[caregiver.pk],
            techniques=[t.pk for t in techniques],
            goals=[g.pk for g in goals],
            notes="Talked through the week.",
            distress_before=6,
            distress_after=4,
        )
    resource = services.add_resource(
        actor=supervisor, name=f"Benchmark fund ({tag})", kind="charity_fund"
    )
    for _ in range(counts["referrals"]):
        services.refer_case(actor=worker, case=case, resource=resource.pk)


if __name__ == "__main__":
    main(sys.argv[1:])
