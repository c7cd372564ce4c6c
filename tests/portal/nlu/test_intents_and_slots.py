"""The classifier on its own: channels, thresholds and slots (intents declared here, not the skills')."""

from datetime import datetime

import pytest

from portal.nlu.intents import ACCEPT, IntentClassifier, IntentSpec
from portal.nlu.lexicon import default_lexicon
from portal.nlu.slots import extract_slots, without_party
from portal.nlu.timeparse import SHANGHAI

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)

SPECS = [
    IntentSpec("venue.book", examples=("明天下午约个羽毛球场",),
               keywords={"预约场地": 0.92, "预约+{sport}": 0.85, "{sport}+{date}": 0.55},
               negative={"比赛": 0.9}),
    IntentSpec("venue.search", examples=("附近有羽毛球馆吗",), keywords={"附近+{sport}": 0.85, "开放时间": 0.85}),
    IntentSpec("greeting", examples=("你好",), keywords={"你好": 0.9}, smalltalk=True),
    IntentSpec("fallback"),
]


def classify(text):
    return IntentClassifier(SPECS).classify(text, now=NOW)


def test_a_strong_cue_is_accepted_with_its_slots():
    decision = classify("帮我预约明天下午的羽球场")
    assert (decision.intent, decision.outcome) == ("venue.book", "accept")
    assert decision.confidence >= ACCEPT
    assert decision.slots == {"sport": "羽毛球", "date": "2026-11-25", "time_from": "12:00", "time_to": "18:00"}


def test_typos_pinyin_and_traditional_reach_the_same_intent():
    for text in ("約場", "yuyue yumaoqiu", "订场🏸"):
        assert classify(text).intent == "venue.book", text


def test_a_weak_cue_asks_to_clarify_and_offers_choices():
    decision = classify("羽毛球明天")
    assert decision.outcome in ("clarify", "accept")
    assert decision.choices[0][0] == "venue.book"


def test_unrelated_text_falls_back():
    decision = classify("今天股市怎么样")
    assert (decision.intent, decision.outcome) == ("fallback", "fallback")


def test_negative_cues_keep_other_domains_out():
    assert classify("明天有什么羽毛球比赛").outcome != "accept"


def test_smalltalk_gives_way_when_the_message_says_more():
    assert classify("你好").intent == "greeting"
    assert classify("你好 帮我预约明天的羽毛球场").intent == "venue.book"


def test_extra_examples_from_editors_extend_an_intent():
    classifier = IntentClassifier(SPECS, extra_examples=[("球台子占一下", "venue.book")])
    assert classifier.classify("球台子占一下", now=NOW).intent == "venue.book"


def test_slots_find_sport_district_and_time():
    message = default_lexicon().canonicalize("周六下午浦东打乒乓")
    assert extract_slots(message, NOW) == {"sport": "乒乓球", "date": "2026-11-28", "time_from": "12:00",
                                           "time_to": "18:00", "district": "浦东新区"}


@pytest.mark.parametrize(("text", "party"), [
    ("明天下午两个人打羽毛球", "2"), ("我们三个人", "3"), ("我们俩去打球", "2"), ("咱仨约个场", "3"),
    ("10个人打篮球", "10"), ("一家三口去游泳", "3"), ("我和老婆明天打羽毛球", "2"), ("两位", "2"),
    ("book a court for 2 people", "2"), ("badminton for three people tomorrow", "3"),
    ("7点2人", "2"), ("明天晚上七点两人羽毛球", "2"), ("下午2点 5个人踢足球", "5"), ("我们四个明天下午打篮球", "4"),
    ("礼拜六下半天打羽毛球阿拉三个", "3"), ("badminton tomorrow 7pm for two", "2"), ("a court for 4", "4"),
])
def test_the_party_size_is_read_as_people_say_it(text, party):
    assert extract_slots(default_lexicon().canonicalize(text), NOW).get("party_size") == party


@pytest.mark.parametrize(("text", "party", "rest"), [
    ("第一个2个人", 2, "第一个"), ("1号场两位", 2, "1号场"), ("我们3个人第一个", 3, "第一个"),
    ("第二个", None, "第二个"),
])
def test_the_words_saying_the_party_come_off_the_rest_of_the_message(text, party, rest):
    size, left = without_party(text)
    assert (size, left.replace(" ", "")) == (party, rest)


@pytest.mark.parametrize("text", ["五人制足球场", "个人所得税怎么交", "明天2号场", "3人间", "排第一位",
                                  "我们要2个场", "我们2个小时够了", "book a court for 2 hours", "for 3 days",
                                  "book for 2 pm"])
def test_numbers_that_are_no_party_size_are_not_read_as_one(text):
    assert "party_size" not in extract_slots(default_lexicon().canonicalize(text), NOW)


@pytest.mark.parametrize(("text", "town"), [
    ("badminton in zhangjiang tomorrow", "张江镇"), ("tennis at Lujiazui", "陆家嘴街道"),
    ("pool in Hua Mu", "花木街道"),
    ("swimming in gaohang", "高行镇"), ("courts in pudong", "浦东新区"), ("minhang", "闵行区"),
])
def test_a_town_written_in_latin_letters_is_the_town(text, town):
    assert extract_slots(default_lexicon().canonicalize(text), NOW).get("district") == town


@pytest.mark.parametrize("text", ["gao xing", "zhangjiangxyz", "shebaoka buban"])
def test_latin_words_that_only_look_like_a_town_are_none(text):
    assert "district" not in extract_slots(default_lexicon().canonicalize(text), NOW)


@pytest.mark.parametrize(("text", "court"), [
    ("5号场", "5"), ("我要五号场地", "5"), ("20:00 4号场", "4"), ("3号台", "3"),
])
def test_a_court_named_by_its_number_is_the_court(text, court):
    assert extract_slots(default_lexicon().canonicalize(text), NOW).get("court") == court
