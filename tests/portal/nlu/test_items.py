"""The item matcher on a small catalogue written for these tests (the real one is in tests/eval)."""

import pytest

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
