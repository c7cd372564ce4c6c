"""健身指导 found from the words residents use (``booking.fitness.search``)."""

from __future__ import annotations

import pytest

from booking import fitness


@pytest.mark.parametrize(("question", "key"), [
    ("我血压有点高", "hypertension"), ("高压150能跑步吗", "hypertension"), ("我有高血压，适合什么运动", "hypertension"),
    ("血糖偏高怎么锻炼", "diabetes"),
    ("肚子大想瘦", "weight_loss"), ("想瘦肚子", "weight_loss"),
    ("我70岁了", "older_adults"), ("奶奶八十多岁了适合啥运动", "older_adults"),
    ("孩子7岁", "children"),
    ("骨头疏松", "osteoporosis"), ("骨密度低", "osteoporosis"),
    ("高血脂", "lipids"), ("血脂有点高", "lipids"), ("胆固醇高能做什么运动", "lipids"),
    ("心脏不好", "heart"), ("放了支架还能运动吗", "heart"), ("冠心病可以打太极吗", "heart"),
    ("孕妇适合什么运动", "pregnancy"), ("怀孕20周能游泳吗", "pregnancy"),
    ("膝盖疼", "knee"), ("颈椎不好", "back_neck"),
])
def test_a_condition_or_goal_in_everyday_words_finds_its_guide(question, key):
    assert [g["key"] for g in fitness.search(question)][:1] == [key]


def test_three_highs_finds_the_guides_of_all_three():
    assert {"hypertension", "diabetes", "lipids"} <= {g["key"] for g in fitness.search("三高")}


@pytest.mark.parametrize(("question", "not_key"), [
    ("低血压能运动吗", "hypertension"), ("血压偏低", "hypertension"), ("低血糖", "diabetes"),
    ("太瘦了想增重", "weight_loss"), ("怎么长胖", "weight_loss"),
    ("我17岁", "older_adults"), ("我70岁了", "children"),
])
def test_what_rules_a_guide_out_keeps_it_out(question, not_key):
    assert not_key not in {g["key"] for g in fitness.search(question)}


def test_a_guide_tells_how_it_is_found_to_nobody():
    for guide in [*fitness.search(""), fitness.guide("heart")]:
        assert not set(guide) & {"aliases", "patterns", "excludes", "ages"}
        assert guide["general_note"] and guide["cautions"] and guide["venue_sports"]
