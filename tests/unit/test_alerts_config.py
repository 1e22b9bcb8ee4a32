"""The shipped example rules (config/alerts.yaml) on articles run through the real extraction chain."""

from __future__ import annotations

import pytest

from worker.alerts.engine import Engine
from worker.alerts.store import load_rules_yaml
from worker.settings import REPO_ROOT

ARTICLES = {
    "hasakah": ("هجوم على سجن غويران في الحسكة وفرار عشرات السجناء",
                "شن مسلحون من تنظيم الدولة هجوما على سجن غويران في مدينة الحسكة شمال شرقي سوريا، ما أدى إلى فرار "
                "عشرات السجناء ومقتل 12 من الحراس وإصابة 20 آخرين."),
    "hama_riot": ("استعصاء في سجن حماة المركزي",
                  "أفادت مصادر حقوقية بحدوث استعصاء داخل سجن حماة المركزي احتجاجا على أحكام الإعدام."),
    "mosul": ("اقتحام سجن بادوش في الموصل", "اقتحم مسلحون سجن بادوش غرب الموصل في محافظة نينوى شمالي العراق."),
    "nigeria": ("فرار سجناء بعد هجوم على سجن في نيجيريا",
                "هاجم مسلحون سجنا في ولاية كوغي وسط نيجيريا وأطلقوا سراح أكثر من 200 سجين."),
    "syria_politics": ("دمشق تستضيف مؤتمرا اقتصاديا", "افتتح في دمشق مؤتمر اقتصادي بمشاركة شركات من عدة دول."),
}


@pytest.fixture(scope="module")
def matched() -> dict[str, set[str]]:
    from worker.extract.pipeline import extract_one
    from worker.settings import get_settings

    with pytest.MonkeyPatch.context() as mp:  # the shipped rules post to a local receiver (127.0.0.1:8099)
        mp.setattr(get_settings(), "private_hosts", ["127.0.0.1:8099"])
        eng = Engine.from_rules(load_rules_yaml(REPO_ROOT / "config" / "alerts.yaml"))
    out = {}
    for key, (title, body) in ARTICLES.items():
        doc = extract_one({"url": f"https://example.test/{key}", "title": title, "body": body,
                           "published": "2022-01-21T08:00:00Z"}).model_dump(mode="json")
        out[key] = {r.name for r in eng.match_doc(doc)[1]}
    return out


@pytest.mark.parametrize("key", ["hasakah", "hama_riot", "mosul"])
def test_prison_attacks_in_syria_and_iraq_fire(matched, key) -> None:
    assert "prison-attacks-syria-iraq" in matched[key]


@pytest.mark.parametrize("key", ["nigeria", "syria_politics"])
def test_elsewhere_or_other_topics_do_not(matched, key) -> None:
    assert "prison-attacks-syria-iraq" not in matched[key]


def test_mass_casualty_digest_needs_the_toll(matched) -> None:
    assert "mass-casualty-digest-syria-iraq" in matched["hasakah"]  # 12 killed + 20 injured
    assert "mass-casualty-digest-syria-iraq" not in matched["mosul"]  # no toll reported
