"""The administrator's instrument pages: CD-RISC-10's ability groups and the timepoints.

Editing the item groups installs the next version of the instrument; the version in use
before, and every score that names it, stay as they were.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from buoy.access.models import User
from buoy.audit.models import AuditEvent
from buoy.cases.models import Case
from buoy.core.errors import Forbidden, InvalidInput
from buoy.instruments import services
from buoy.instruments.domain.definition import ItemGroup
from buoy.instruments.models import Assessment, InstrumentVersion, Score, Timepoint
from tests.conftest import logged_in
from tests.instruments.conftest import cdrisc_answers

pytestmark = pytest.mark.django_db

ADAPT = {"id": "adapt", "en": "Adapting to life changes", "zh": "适应生活变化"}
OVERCOME = {"id": "overcome", "en": "Overcoming difficulties", "zh": "克服困难"}
FEELINGS = {"id": "feelings", "en": "Dealing with unpleasant feelings", "zh": "应对不愉快的情绪"}


def group_post(
    groups: list[dict[str, Any]], *, reason: str = "", based_on: str = "1", initial: int = 3
) -> dict[str, Any]:
    """The item-group page's POST: one form per group, as the browser sends it."""
    data: dict[str, Any] = {
        "group-TOTAL_FORMS": str(len(groups)),
        "group-INITIAL_FORMS": str(initial),
        "group-MIN_NUM_FORMS": "0",
        "group-MAX_NUM_FORMS": "1000",
        "reason": reason,
        "based_on": based_on,
    }
    for index, group in enumerate(groups):
        prefix = f"group-{index}-"
        data[prefix + "id"] = group.get("id", "")
        data[prefix + "label_en"] = group.get("en", "")
        data[prefix + "label_zh"] = group.get("zh", "")
        data[prefix + "items"] = [f"item{n}" for n in group.get("items", [])]
        if group.get("remove"):
            data[prefix + "DELETE"] = "on"
    return data


def groups_of(version: InstrumentVersion) -> dict[str, tuple[str, ...]]:
    return {group.id: group.items for group in version.instrument().item_groups}


def current_cdrisc10() -> InstrumentVersion:
    return InstrumentVersion.objects.get(instrument_id="cdrisc10", is_current=True)


@pytest.fixture
def scored_v1(alice_worker: User, alice_assessment: Assessment) -> Score:
    """A completed CD-RISC-10 of Alice's caregiver, scored with version 1's groups."""
    services.record_answers(
        actor=alice_worker,
        assessment=alice_assessment,
        answers=cdrisc_answers(4, 4, 0, 0, 1, 2, 0, 2, 2, 0),
        complete=True,
    )
    return Score.objects.get(assessment=alice_assessment)


def test_the_administrator_regroups_cdrisc10_and_a_new_version_is_installed(
    adam_admin: User,
    alice_worker: User,
    alice_case: Case,
    alice_assessment: Assessment,
    scored_v1: Score,
    baseline: Timepoint,
) -> None:
    v1 = current_cdrisc10()
    v1_definition = v1.definition
    v1_profiles = dict(scored_v1.profiles)
    assert v1_profiles["adapt"] == pytest.approx(3.0)  # items 1, 2, 5: (4 + 4 + 1) / 3

    # The department moves item 5 from "adapt" to "overcome".
    data = group_post(
        [
            {**ADAPT, "items": [1, 2]},
            {**OVERCOME, "items": [5, 6, 8, 9]},
            {**FEELINGS, "items": [3, 4, 7, 10]},
        ],
        reason="Department meeting 2026-03: item 5 reads as overcoming",
    )
    response = logged_in(adam_admin).post(
        reverse("instruments:item_groups", args=["cdrisc10"]), data
    )

    assert response.status_code == 302
    v2 = current_cdrisc10()
    assert v2.version == "2"
    assert v2.origin == "edited"
    assert v2.reason == "Department meeting 2026-03: item 5 reads as overcoming"
    assert v2.imported_by == adam_admin
    assert groups_of(v2) == {
        "adapt": ("item1", "item2"),
        "overcome": ("item5", "item6", "item8", "item9"),
        "feelings": ("item3", "item4", "item7", "item10"),
    }
    # Only the groups changed: scoring, norms and licence are version 1's.
    assert v2.instrument().total == v1.instrument().total
    assert v2.instrument().norms == v1.instrument().norms
    # Version 1 and the score that names it are untouched.
    v1.refresh_from_db()
    assert (v1.is_current, v1.definition) == (False, v1_definition)
    scored_v1.refresh_from_db()
    assert (scored_v1.instrument_version, scored_v1.profiles) == ("1", v1_profiles)
    alice_assessment.refresh_from_db()
    assert alice_assessment.instrument_version == v1
    # The change is in the audit trail, with ids only.
    event = AuditEvent.objects.get(action="instruments.item_groups.changed")
    assert event.actor == adam_admin
    assert event.subject_id == str(v2.pk)
    assert event.changed_fields == ["item_groups"]
    assert event.context == {
        "instrument": "cdrisc10",
        "version": "2",
        "previous_version": "1",
        "groups": ["adapt", "overcome", "feelings"],
        "wording_carried": [],
    }
    installed = AuditEvent.objects.get(action="instruments.version.installed", subject_id=v2.pk)
    assert installed.context["origin"] == "edited"
    # An assessment started now is scored with the new groups.
    later = services.start_assessment(
        actor=alice_worker,
        case=alice_case,
        caregiver=alice_case.caregivers.get(),
        instrument_version=v2,
        timepoint=baseline,
    )
    services.record_answers(
        actor=alice_worker,
        assessment=later,
        answers=cdrisc_answers(4, 4, 0, 0, 1, 2, 0, 2, 2, 0),
        complete=True,
    )
    assert Score.objects.get(assessment=later).profiles["adapt"] == pytest.approx(4.0)


def test_the_editor_says_the_groups_are_descriptive_and_shows_neutral_item_labels(
    adam_admin: User,
) -> None:
    response = logged_in(adam_admin).get(reverse("instruments:item_groups", args=["cdrisc10"]))
    html = response.content.decode()
    assert "descriptive profiles, not normed scores" in html
    assert "never recalculated" in html
    assert "Item 10" in html  # licensed, no wording installed: neutral labels only
    assert response.context["formset"].total_form_count() == 4  # three groups and a blank one


def test_a_group_is_removed_and_another_added(adam_admin: User) -> None:
    client = logged_in(adam_admin)
    url = reverse("instruments:item_groups", args=["cdrisc10"])
    groups: list[dict[str, Any]] = [
        {**ADAPT, "items": [1, 2, 5]},
        {**OVERCOME, "items": [6, 8, 9], "remove": True},
        {**FEELINGS, "items": [3, 4, 7, 10]},
    ]
    # "Add another group" shows one more blank group and saves nothing.
    more = client.post(url, {**group_post(groups), "add_group": "1"})
    assert more.status_code == 200
    assert more.context["formset"].total_form_count() == 4
    assert current_cdrisc10().version == "1"

    new = {"id": "goals", "en": "Reaching goals", "zh": "实现目标", "items": [6, 9]}
    response = client.post(url, group_post([*groups, new], reason="Trial of a goals profile"))
    assert response.status_code == 302
    assert groups_of(current_cdrisc10()) == {
        "adapt": ("item1", "item2", "item5"),
        "feelings": ("item3", "item4", "item7", "item10"),
        "goals": ("item6", "item9"),
    }


def test_an_empty_group_and_a_missing_reason_are_explained_and_nothing_changes(
    adam_admin: User,
) -> None:
    events = AuditEvent.objects.count()
    data = group_post(
        [
            {**ADAPT, "items": [1, 2, 5]},
            {**OVERCOME, "items": []},
            {**FEELINGS, "en": "", "items": [3, 4, 7, 10]},
        ]
    )
    response = logged_in(adam_admin).post(
        reverse("instruments:item_groups", args=["cdrisc10"]), data
    )

    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert forms[1].errors["items"] == ["Tick at least one item for the group."]
    assert forms[2].errors["label_en"] == ["Give the group a label in English."]
    assert not forms[0].errors
    assert response.context["change"].errors["reason"] == ["Say why the item groups are changing."]
    assert InstrumentVersion.objects.filter(instrument_id="cdrisc10").count() == 1
    assert AuditEvent.objects.count() == events


def test_an_item_the_instrument_does_not_have_is_refused_on_the_page_and_by_the_service(
    adam_admin: User,
) -> None:
    data = group_post([{**ADAPT, "items": [1, 11]}], reason="x", initial=1)
    response = logged_in(adam_admin).post(
        reverse("instruments:item_groups", args=["cdrisc10"]), data
    )
    assert response.status_code == 200
    assert "item11" in str(response.context["formset"].forms[0].errors["items"])

    with pytest.raises(InvalidInput) as refused:
        services.set_item_groups(
            actor=adam_admin,
            instrument_id="cdrisc10",
            groups=[ItemGroup("adapt", ("item1", "item11"), {"en": "A", "zh-hans": "甲"})],
            reason="x",
        )
    assert refused.value.errors == {
        "item_groups[0].items": ["This instrument has no scored item item11."]
    }
    assert InstrumentVersion.objects.filter(instrument_id="cdrisc10").count() == 1


@pytest.mark.parametrize(
    ("groups", "key", "message"),
    [
        (
            [ItemGroup("a", ("item1",), {"en": "A", "zh-hans": "甲"})] * 2,
            "item_groups[1].id",
            "Another group already has the id a.",
        ),
        (
            [ItemGroup("", ("item1",), {"en": "A", "zh-hans": "甲"})],
            "item_groups[0].id",
            "Give the group an id.",
        ),
        (
            [ItemGroup("a b", ("item1",), {"en": "A", "zh-hans": "甲"})],
            "item_groups[0].id",
            "Use letters, digits, - and _ only in the group id.",
        ),
        (
            [ItemGroup("a", ("item1",), {"en": "A", "zh-hans": " "})],
            "item_groups[0].label.zh-hans",
            "Give the group a label in Chinese.",
        ),
    ],
)
def test_each_problem_with_a_group_has_its_own_message(
    adam_admin: User, groups: list[ItemGroup], key: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.set_item_groups(
            actor=adam_admin, instrument_id="cdrisc10", groups=groups, reason="x"
        )
    assert refused.value.errors == {key: [message]}


def test_saving_the_same_groups_installs_nothing(adam_admin: User) -> None:
    data = group_post(
        [
            {**ADAPT, "items": [1, 2, 5]},
            {**OVERCOME, "items": [6, 8, 9]},
            {**FEELINGS, "items": [3, 4, 7, 10]},
        ],
        reason="no change",
    )
    # The page sends the descriptions back as they were.
    for index, group in enumerate(current_cdrisc10().instrument().item_groups):
        data[f"group-{index}-description_en"] = group.description["en"]
        data[f"group-{index}-description_zh"] = group.description["zh-hans"]
    response = logged_in(adam_admin).post(
        reverse("instruments:item_groups", args=["cdrisc10"]), data
    )
    assert response.status_code == 200
    assert "unchanged" in str(response.context["change"].non_field_errors())
    assert current_cdrisc10().version == "1"


def test_an_edit_started_before_another_version_was_installed_is_refused(
    adam_admin: User,
) -> None:
    one_group = [ItemGroup("all", ("item1", "item2"), {"en": "All", "zh-hans": "全部"})]
    services.set_item_groups(
        actor=adam_admin, instrument_id="cdrisc10", groups=one_group, reason="first"
    )
    with pytest.raises(InvalidInput) as refused:
        services.set_item_groups(
            actor=adam_admin,
            instrument_id="cdrisc10",
            groups=[ItemGroup("other", ("item3",), {"en": "O", "zh-hans": "其他"})],
            reason="second",
            based_on="1",
        )
    assert "Version 2 of this instrument was installed" in refused.value.errors[""][0]
    assert groups_of(current_cdrisc10()) == {"all": ("item1", "item2")}


def test_a_sites_imported_wording_comes_along_to_the_new_version(adam_admin: User) -> None:
    v1 = current_cdrisc10()
    wording = {
        "instrument": "cdrisc10",
        "version": "1",
        "language": "zh-hans",
        "items": {f"item{i}": f"本院文字 {i}" for i in range(1, 11)},
    }
    services.import_wording(actor=None, version=v1, language="zh-hans", wording=wording)
    v2 = services.set_item_groups(
        actor=adam_admin,
        instrument_id="cdrisc10",
        groups=[ItemGroup("all", ("item1", "item2"), {"en": "All", "zh-hans": "全部"})],
        reason="regroup",
    )
    assert v2.instrument().has_wording("zh-hans")
    assert v2.definition == {**v2.definition, "items": v1.definition["items"]}  # no wording
    assert AuditEvent.objects.get(action="instruments.item_groups.changed").context[
        "wording_carried"
    ] == ["zh-hans"]


def test_only_an_administrator_edits_item_groups(
    personas: dict[str, User], carol_supervisor: User
) -> None:
    one_group = [ItemGroup("all", ("item1",), {"en": "All", "zh-hans": "全部"})]
    with pytest.raises(Forbidden):
        services.set_item_groups(
            actor=carol_supervisor, instrument_id="cdrisc10", groups=one_group, reason="x"
        )
    data = group_post([{**ADAPT, "items": [1]}], reason="x", initial=1)
    for name in ("alice_worker", "carol_supervisor", "rita_researcher"):
        response = logged_in(personas[name]).post(
            reverse("instruments:item_groups", args=["cdrisc10"]), data
        )
        assert response.status_code == 403
    assert InstrumentVersion.objects.filter(instrument_id="cdrisc10").count() == 1


def test_the_instrument_list_shows_versions_licences_wording_and_groups(adam_admin: User) -> None:
    response = logged_in(adam_admin).get(reverse("instruments:instrument_list"))
    rows = {row["id"]: row for row in response.context["rows"]}
    cdrisc = rows["cdrisc10"]
    assert (cdrisc["version"], cdrisc["licence"], cdrisc["wording"]) == ("1", "Licensed", [])
    assert [(g["id"], g["items"]) for g in cdrisc["groups"]] == [
        ("adapt", "1, 2, 5"),
        ("overcome", "6, 8, 9"),
        ("feelings", "3, 4, 7, 10"),
    ]
    assert "Not installed: items show neutral labels" in response.content.decode()
    assert rows["phq9"]["wording"] == ["English", "Chinese"]  # free; Chinese shipped beside it
    assert (
        reverse("instruments:instrument_list")
        in logged_in(adam_admin).get(reverse("access:users")).content.decode()
    )  # linked from the administrator's navigation


# --- timepoints ----------------------------------------------------------------------------


def test_the_administrator_adds_a_follow_up_timepoint(adam_admin: User) -> None:
    response = logged_in(adam_admin).post(
        reverse("instruments:timepoints"),
        {
            "code": "follow_up_6m",
            "label_en": "Follow-up at 6 months",
            "label_zh": "6个月随访",
            "order": "4",
            "months_after_end": "6",
        },
    )
    assert response.status_code == 302
    added = Timepoint.objects.get(code="follow_up_6m")
    assert (added.label_zh, added.order, added.months_after_end) == ("6个月随访", 4, 6)
    event = AuditEvent.objects.get(action="instruments.timepoint.created")
    assert (event.actor, event.subject_id) == (adam_admin, str(added.pk))


def test_adding_a_timepoint_with_a_code_in_use_is_refused(adam_admin: User) -> None:
    response = logged_in(adam_admin).post(
        reverse("instruments:timepoints"),
        {"code": "baseline", "label_en": "Start", "label_zh": "开始", "order": "0"},
    )
    assert response.status_code == 200
    assert "already in use" in str(response.context["form"].errors["code"])
    assert Timepoint.objects.get(code="baseline").label_en == "Baseline"


def test_a_bad_timepoint_code_is_explained(adam_admin: User) -> None:
    response = logged_in(adam_admin).post(
        reverse("instruments:timepoints"),
        {"code": "Six Months", "label_en": "6 m", "label_zh": "6个月", "order": "5"},
    )
    assert response.context["form"].errors["code"] == [
        "Use lower-case letters, digits and _ for the code."
    ]
    assert not Timepoint.objects.filter(label_en="6 m").exists()


def test_the_administrator_relabels_a_timepoint_and_its_code_stays(adam_admin: User) -> None:
    url = reverse("instruments:timepoint_edit", args=["post"])
    response = logged_in(adam_admin).post(
        url,
        {
            "code": "something_else",  # disabled on the page: ignored
            "label_en": "End of casework",
            "label_zh": "结案时",
            "order": "2",
        },
    )
    assert response.status_code == 302
    post = Timepoint.objects.get(code="post")
    assert (post.label_en, post.label_zh) == ("End of casework", "结案时")
    assert not Timepoint.objects.filter(code="something_else").exists()
    event = AuditEvent.objects.get(action="instruments.timepoint.updated")
    assert event.changed_fields == ["label_en", "label_zh"]


def test_only_an_administrator_changes_timepoints(
    personas: dict[str, User], alice_worker: User
) -> None:
    with pytest.raises(Forbidden):
        services.set_timepoint(actor=alice_worker, code="mid", label_en="x", label_zh="y", order=1)
    for name in ("alice_worker", "carol_supervisor", "rita_researcher"):
        response = logged_in(personas[name]).post(
            reverse("instruments:timepoint_edit", args=["mid"]),
            {"label_en": "x", "label_zh": "y", "order": "1"},
        )
        assert response.status_code == 403
    assert Timepoint.objects.get(code="mid").label_en == "Mid-intervention"
