from portal.nlu.normalize import cn_to_int, normalize


def test_normalize_turns_full_width_and_traditional_into_plain_simplified_text():
    assert normalize("預約羽毛球場ＡＢＣ１２３") == "预约羽毛球场abc123"


def test_normalize_drops_punctuation_and_unknown_emoji_but_keeps_meaningful_ones():
    assert normalize("社保卡！！！怎么办？？😂") == "社保卡 怎么办"
    assert normalize("明天🏸") == "明天 羽毛球"


def test_normalize_turns_chinese_numerals_before_units_into_digits():
    assert normalize("七点半") == "7点半"
    assert normalize("十一月三号下午两点") == "11月3号下午2点"
    assert normalize("八点到十点") == "8点到10点"


def test_normalize_leaves_numerals_that_are_not_quantities_alone():
    assert normalize("一网通办") == "一网通办"
    assert normalize("快一点") == "快一点"
    assert normalize("周一下午") == "周一下午"
    assert normalize("星期六") == "星期六"


def test_normalize_keeps_clock_times_and_turns_tilde_ranges_into_words():
    assert normalize("19:00") == "19:00"
    assert normalize("8点~10点") == "8点到10点"


def test_cn_to_int_reads_tens_and_hundreds():
    assert [cn_to_int(x) for x in ("十", "十一", "二十三", "两", "一百二十", "二〇二六")] == [10, 11, 23, 2, 120, 2026]
    assert cn_to_int("abc") is None
