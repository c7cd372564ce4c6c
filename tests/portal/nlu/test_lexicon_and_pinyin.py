import logging

import pytest

from portal.nlu.lexicon import Lexicon, default_lexicon, tokens
from portal.nlu.pinyin import fold, split_syllables


def canonical(text: str) -> str:
    return default_lexicon().canonicalize(text).text


@pytest.mark.parametrize(
    ("typed", "word"),
    [
        ("公基金怎么取", "住房公积金"),  # homophone typo
        ("身分证丢了", "身份证"),  # old spelling
        ("设保卡补办", "社会保障卡"),
        ("shebaoka buban", "社会保障卡"),  # toneless pinyin
        ("she bao ka", "社会保障卡"),
        ("暂住证到期", "居住证"),  # old name
        ("驾照换证", "驾驶证"),
        ("准生证怎么开", "生育登记"),
        ("羽球场", "羽毛球"),
        ("明天约场", "预约场地"),
        ("我想订场", "预约场地"),
        ("抢场", "预约场地"),
        ("yumaoqiu", "羽毛球"),
        ("健康挡案", "健康档案"),  # typo by sound
    ],
)
def test_canonicalize_reaches_the_domain_word(typed, word):
    assert word in canonical(typed)


def test_canonicalize_maps_basic_english_to_the_same_words():
    text = canonical("Book a badminton court tomorrow")
    assert "预约" in text and "羽毛球" in text and "场地" in text and "明天" in text
    assert "健康档案" in canonical("show my health records")
    # "get a" is asking to get it, not two stray words that keep the question from naming one matter
    assert canonical("how do I get a residence permit").split() == ["怎么", "办理", "居住证"]


def test_canonicalize_does_not_rewrite_words_that_only_sound_alike_without_a_shared_character():
    # 事项 and 市项 share a character, but 施香 (shi xiang) shares none with any lexicon word
    lexicon = Lexicon(synonyms=[], vocabulary=["公积金"])
    assert lexicon.canonicalize("工基今").text == "工基今"
    assert lexicon.canonicalize("公基金").text == "公积金"


def test_canonicalize_reports_which_terms_matched_and_how():
    result = default_lexicon().canonicalize("shebaoka")
    assert [(t.canonical, t.by_sound) for t in result.terms] == [("社会保障卡", True)]


def test_editor_entries_extend_the_lexicon_without_code():
    lexicon = Lexicon(extra=[("小绿卡", "居住证")])
    assert lexicon.canonicalize("小绿卡怎么办").text.startswith("居住证")


def test_fold_merges_confusable_initials_and_finals():
    assert fold("zhang") == fold("zang") == "zan"
    assert fold("shi") == fold("si")
    assert fold("neng") == fold("len")
    assert fold("fei") == fold("hei")
    assert fold("jing") == fold("jin")


def test_split_syllables_reads_pinyin_and_refuses_english():
    assert split_syllables("shebaoka") == ("she", "bao", "ka")
    assert split_syllables("book") is None


def test_tokens_keep_domain_words_whole():
    assert "羽毛球" in tokens("我想预约明天下午的羽毛球场地")
    assert "社会保障卡" in tokens("社会保障卡补办")


def test_a_homophone_is_rewritten_only_where_a_word_sits():
    assert canonical("之前约的篮球场") == "之前约的篮球场"  # 之前|约: 前约 is not 签约
    assert "续方" in canonical("我要续放")


def test_a_two_character_word_of_its_own_is_not_taken_for_a_typo():
    assert canonical("二台高清") == "二台高清"  # a TV channel, not 二胎
    assert canonical("抢到了伐") == "抢到了伐"  # got a court in the rush, not 签到 (a check-in)



def test_jieba_logs_through_the_project_handlers_only():
    """Imported after Django set logging up (as a server does, lazily), jieba re-set its logger to
    DEBUG with a stderr handler of its own: start-up lines came out twice, unfiltered."""
    import os
    import subprocess
    import sys

    probe = ("import django, logging; django.setup(); import portal.nlu.lexicon; import jieba; "
             "log = logging.getLogger('jieba'); print(log.getEffectiveLevel(), jieba.log_console in log.handlers)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"}).stdout.split()
    assert out == [str(logging.WARNING), "False"]


def test_the_kept_common_characters_are_what_jiebas_dictionary_gives():
    """data/common_characters.txt spares every serving process parsing jieba's dictionary at start;
    a new jieba (or dictionary) that counts differently must rewrite it (``count_common_characters``)."""
    from portal.nlu.lexicon import common_characters, count_common_characters

    counted = count_common_characters()
    assert len(counted) == 3500 and common_characters() == counted
    assert common_characters(10) == counted[:10]
