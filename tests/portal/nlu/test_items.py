"""The item matcher on a small catalogue written for these tests (the real one is in tests/eval)."""

import pytest

from portal.nlu import items
from portal.nlu.items import ItemDoc, ItemMatch, ItemMatcher

CATALOGUE = [
    ItemDoc(1, "居住证申领", keywords=["外来人口"], department="公安分局"),
    ItemDoc(2, "居住证签注", department="公安分局"),
    ItemDoc(3, "住房公积金提取", aliases=["公积金提取"], department="公积金中心"),
    ItemDoc(4, "社会保障卡申领", department="人社局"),
    ItemDoc(5, "社会保障卡挂失", department="人社局"),
    ItemDoc(6, "社会保障卡补领、换领", department="人社局"),
    ItemDoc(7, "机动车驾驶证换证", department="交警"),
    ItemDoc(8, "出生医学证明首次签发", department="卫健局", extra="新生儿 宝宝出生"),
    ItemDoc(9, "食品经营许可核发", department="市监局"),
    ItemDoc(10, "互联网上网服务营业场所经营单位设立审批", department="文广旅局"),
    ItemDoc(11, "最低生活保障", department="民政局"),
    ItemDoc(12, "犬只登记", department="公安分局"),
    ItemDoc(13, "居住登记", department="公安分局"),
    ItemDoc(14, "社会保障卡密码修改", department="人社局"),
    ItemDoc(15, "社会保障卡密码重置", department="人社局"),
    ItemDoc(16, "门诊费用报销", department="医保局"),
    ItemDoc(17, "住院费用报销", department="医保局"),
    ItemDoc(18, "临时身份证明", department="公安分局"),
    ItemDoc(19, "居民身份证办理", department="公安分局"),
    ItemDoc(20, "停业登记", department="税务局"),
    ItemDoc(21, "个体工商户设立登记", department="市场监管局"),
    ItemDoc(22, "个体工商户注销登记", department="市场监管局"),
]


@pytest.fixture(scope="module")
def matcher():
    return ItemMatcher(CATALOGUE)


@pytest.mark.parametrize(
    ("question", "item"),
    [
        ("暂住证怎么办", 1),
        ("公基金怎么取出来", 3),
        ("shebaoka zenme banli", 4),
        ("社保卡丢了怎么办", 6),
        ("驾照到期了要换", 7),
        ("宝宝刚出生 出生证明怎么办", 8),
        ("开个小饭馆要办什么证", 9),
        ("我想开个网吧", 10),
        ("低保怎么申请", 11),
    ],
)
def test_search_puts_the_right_item_first_for_colloquial_questions(matcher, question, item):
    results = matcher.search(question)
    assert results, question
    assert results[0].id == item, [(r.id, r.name, r.score) for r in results]


def test_search_returns_matches_with_scores_and_highlight_terms(matcher):
    (best, *_rest) = matcher.search("居住证怎么申领")
    assert isinstance(best, ItemMatch)
    assert 0 < best.score <= 100
    assert "居住证" in best.matched


def test_search_orders_best_first_and_respects_limit_and_min_score(matcher):
    results = matcher.search("社会保障卡", limit=2)
    assert len(results) == 2
    assert results[0].score >= results[1].score
    assert matcher.search("社会保障卡", min_score=101) == []


def test_search_finds_nothing_for_unrelated_text_or_empty_query(matcher):
    assert matcher.search("今天天气怎么样", min_score=40) == []
    assert matcher.search("") == []
    assert matcher.search("   ") == []


def test_rebuild_replaces_the_catalogue(matcher):
    other = ItemMatcher(CATALOGUE)
    other.rebuild([ItemDoc("x", "犬只登记")])
    assert [m.id for m in other.search("养狗要登记吗")] == ["x"]
    assert matcher.search("居住证")[0].id == 1  # the first matcher is untouched


def test_suggest_offers_names_when_nothing_fits(matcher):
    suggestions = matcher.suggest("居住怎么弄")
    assert suggestions and "居住证申领" in suggestions
    assert len(matcher.suggest("社保", limit=2)) <= 2


def test_empty_catalogue_answers_nothing():
    empty = ItemMatcher()
    assert empty.search("居住证") == []
    assert empty.suggest("居住证") == []


@pytest.mark.parametrize(
    ("question", "item"),
    [
        ("社保卡被偷了 要先挂失", 5),  # the step asked (挂失) before the plain item and other steps
        ("社保卡密码忘记了", 15),  # 忘记 → 重置, not 修改
        ("社保卡密码想改一下", 14),
        ("居住证一年到了要续一下", 2),  # 续 → 签注; 居住登记 only reads as 居住证 through the lexicon
        ("个体户不开了", 22),
        ("开个体户", 21),
        ("店要装修停几个月 税务上要办停业吗", 20),  # 停业 names the item even though it is a step
    ],
)
def test_the_step_asked_for_decides_between_items_of_one_matter(matcher, question, item):
    results = matcher.search(question)
    assert results and results[0].id == item, [(r.id, r.name, r.score) for r in results]


@pytest.mark.parametrize("asking", ["要不要注销", "需不需要注销", "有没有注销", "用不用注销"])
def test_asking_either_way_still_asks_for_the_step(matcher, asking):
    # 要不要注销 asks whether to cancel: the same verb on both sides of 不 does not deny the step
    # (it did: 驾照要不要注销 found the licence's first application before its cancellation).
    cancel = matcher._analyse("个体户注销").steps
    assert cancel and matcher._analyse(f"个体户的执照{asking}").steps == cancel
    assert not matcher._analyse("个体户先停一段 但不注销").steps & cancel
    assert not matcher._analyse("个体户先停一段 不需要注销").steps & cancel


@pytest.mark.parametrize("question", ["养了条狗要办证吗", "狗证", "家里的狗要登记"])
def test_a_single_character_can_name_the_matter(matcher, question):
    # 狗 is a word of its own (and reads as 犬 in official names): single characters are indexed.
    results = matcher.search(question)
    assert results and results[0].id == 12, [(r.id, r.name, r.score) for r in results]


def test_a_word_the_lexicon_rewrote_stays_searchable_as_typed(matcher):
    # The shared lexicon reads 看门诊 as 就诊 (for the chat); the catalogue says 门诊.
    results = matcher.search("看门诊花的钱医保能报吗")
    assert results and results[0].id == 16, [(r.id, r.name, r.score) for r in results]


def test_a_word_found_only_inside_another_word_counts_less(matcher):
    # 身份证 is written inside 临时身份证明 (证明), but the resident means the identity card.
    results = matcher.search("身份证过期了要换")
    assert results and results[0].id == 19, [(r.id, r.name, r.score) for r in results]


def test_chatter_around_the_matter_does_not_hide_the_item(matcher):
    question = "我家邻居说去年就搬来这边打工的人都要弄这个暂住证 我也不知道到底要准备些啥东西"
    results = matcher.search(question)
    assert results and results[0].id == 1, [(r.id, r.name, r.score) for r in results]


def test_matched_terms_are_words_of_the_matter_not_steps_or_stray_characters(matcher):
    (best, *_rest) = matcher.search("社保卡丢了 补一张")
    assert best.id == 6
    assert best.matched == ["社会保障卡"]


def test_items_for_foreigners_or_disabled_drivers_come_after_when_the_question_does_not_say_so():
    docs = [ItemDoc(id=1, name="外国人出入境证（无护照外国人）", department="区公安分局出入境管理办公室"),
            ItemDoc(id=2, name="普通护照首次申领", department="区公安分局出入境管理办公室"),
            ItemDoc(id=3, name="残疾人专用小型汽车驾驶证申领", department="区公安分局交警支队"),
            ItemDoc(id=4, name="机动车驾驶证申领", department="区公安分局交警支队"),
            ItemDoc(id=5, name="外省市驾驶证转入", department="区公安分局交警支队")]
    matcher = ItemMatcher(docs)
    assert matcher.search("护照", limit=1)[0].id == 2  # 无护照外国人 was first for 护照 alone
    assert matcher.search("老外没有护照要办什么证", limit=1)[0].id == 1
    assert matcher.search("第一次考驾照怎么申领", limit=1)[0].id == 4
    from tests.eval.external import bundled_docs

    bundled = ItemMatcher(bundled_docs())
    assert "残疾人专用" not in bundled.search("驾照", limit=1)[0].name  # it was first for 驾照 alone
    assert "残疾人专用" in bundled.search("我是残疾人 想考驾照", limit=1)[0].name
    assert matcher.search("我是残疾人 想考驾照", limit=1)[0].id == 3


# --- frequent items (高频事项) ----------------------------------------------------------------------


def _social_security(frequent_ids: set[int]) -> ItemMatcher:
    return ItemMatcher([ItemDoc(i, name, aliases=aliases, department="人社局", frequent=i in frequent_ids)
                        for i, name, aliases in [
                            (1, "社会保障卡挂失", ()), (2, "社会保障卡补领、换领", ()), (3, "社会保障卡申领", ()),
                            (4, "社会保障卡密码重置", ()), (5, "职业技能培训补贴", ("社保卡领培训补贴",))]])


def test_a_question_naming_one_matter_only_puts_the_frequent_items_first():
    plain, frequent = _social_security(set()), _social_security({1, 2})  # 挂失 and 补领、换领
    for question in ("社保卡", "社保卡怎么办", "我想问下社保卡"):
        assert frequent.one_matter(question) == "社会保障卡"
        before = plain.search(question, limit=5)
        after = frequent.search(question, limit=5)
        assert [m.id for m in before][:1] == [3], question  # 申领 is the best fit by the words alone
        assert [m.id for m in after] == [1, 2] + [m.id for m in before if m.id not in (1, 2)], question
        assert {m.id: m.score for m in after} == {m.id: m.score for m in before}  # scores stay the lexical ones


def test_frequent_items_are_not_put_first_when_the_question_says_more_or_only_an_alias_names_the_matter():
    plain, frequent = _social_security(set()), _social_security({1, 2})
    for question in ("社保卡丢了", "社保卡密码忘了", "单位的社保卡"):  # a step, a second word, a qualifier
        assert frequent.one_matter(question) is None
        assert [m.id for m in frequent.search(question)] == [m.id for m in plain.search(question)], question
    # 职业技能培训补贴 has 社保卡 only in an alias: 社保卡 is not the matter of its name.
    alias_only = _social_security({5})
    assert [m.id for m in alias_only.search("社保卡", limit=5)] == [m.id for m in plain.search("社保卡", limit=5)]


def test_asking_to_get_a_matter_puts_first_only_a_frequent_item_of_getting_it():
    """办个社保卡 names one matter and asks to get it: a frequent 申领 comes first, a frequent
    挂失 or 密码重置 does not (they are answers to other questions about the card)."""
    plain = _social_security(set())
    for question in ("办个社保卡", "新办社保卡", "第一次办社保卡"):
        for frequent_ids in ({1, 2}, {4}):  # 挂失, 补领、换领; 密码重置
            other = _social_security(frequent_ids)
            assert other.one_matter(question) == "社会保障卡"
            assert [m.id for m in other.search(question)] == [m.id for m in plain.search(question)], question
    getting = _social_security({3})  # 社会保障卡申领
    assert [m.id for m in getting.search("办个社保卡")][:1] == [3]


@pytest.mark.parametrize(("question", "first"), [
    ("办个居住证要多久", "上海市居住证办理"),  # not 居住登记 or 港澳台居民居住证申领
    ("房子过户", "二手房买卖转移登记（过户）"),  # not 不动产继承、赠与转移登记
    ("房屋过户", "二手房买卖转移登记（过户）"),
    ("我要开发票", "代开发票（个人）"),  # 开 here issues an invoice: not 企业开办 (要开 read as starting one)
    ("新房子怎么办房产证", "新建商品房首次转移登记（新房办产证）"),  # 新房子 is a new home, not any 房子
    ("高考报名", "普通高校招生考试报名（高考）"),  # the catalogue had no 高考 item: it answered with 中考
    ("护照加急", "普通护照首次申领"),  # not 居民身份证快证办理（加急）: the matter is the passport
    ("把户口迁到老公家", "户口迁入本市（投靠亲属）"),  # joining a spouse, not 户口迁出
])
def test_common_questions_on_the_bundled_catalogue_find_the_item_residents_mean(question, first):
    from tests.eval.external import bundled_docs

    matcher = ItemMatcher(bundled_docs())
    assert matcher.search(question, limit=3)[0].name == first


def test_a_frequent_item_further_below_the_best_match_than_the_band_stays_where_it_is(monkeypatch):
    plain, frequent = _social_security(set()), _social_security({4})
    matches = plain.search("社保卡", limit=5)
    gap = matches[0].score - next(m.score for m in matches if m.id == 4)
    assert matches[0].id != 4 and gap > 0
    monkeypatch.setattr(items, "FREQUENT_BAND", gap + 0.01)
    assert frequent.search("社保卡", limit=5)[0].id == 4
    monkeypatch.setattr(items, "FREQUENT_BAND", gap - 0.01)
    assert [m.id for m in frequent.search("社保卡", limit=5)] == [m.id for m in matches]


@pytest.mark.parametrize(("question", "matter"), [
    ("公积金", "住房公积金"), ("公积金怎么办", "住房公积金"), ("我想问下公积金", "住房公积金"),
    ("办个公积金要多久", "住房公积金"),  # asking to get it is asking about it
    ("公积金提取", None),  # a step
    ("单位的公积金", None),  # a qualifier
    ("搜狗", None), ("狗肉怎么做", None),  # a one-character word is no matter
    ("华晶小学在哪里", None),  # two stray characters: a name the catalogue does not know
])
def test_one_matter_is_a_question_that_names_one_matter_and_nothing_else(matcher, question, matter):
    assert matcher.one_matter(question) == matter


# --- “一件事” bundles ---------------------------------------------------------------------------------


def _birth() -> ItemMatcher:
    return ItemMatcher([ItemDoc(i, name, department=department) for i, name, department in [
        (1, "新生儿出生户口登记", "区公安分局"), (2, "新生儿“出生一件事”联办", "区卫生健康委"),
        (3, "出生医学证明补发或换发", "区卫生健康委"), (4, "生育医疗费用报销", "区医保局")]])


def test_a_question_about_one_step_of_the_event_is_not_answered_with_the_bundle():
    matcher = _birth()
    for question in ("宝宝刚出生上户口要带什么", "出生证明名字写错了怎么换"):
        assert matcher.search(question, limit=1)[0].id != 2, question
