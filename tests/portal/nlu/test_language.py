"""Which language a message is written in (the reply's language, docs/chat.md)."""

import pytest

from portal.nlu.language import written_in


@pytest.mark.parametrize(("text", "language"), [
    ("book a badminton court tomorrow", "en"), ("Hello, how do I renew my ID card?", "en"),
    ("can you book a court for me", "en"), ("my bookings", "en"),
    ("I would like to book a tennis court in Huamu on Saturday", "en"),
    ("明天下午约羽毛球", "zh"), ("我想book一个court", "zh"), ("明天 badminton", "zh"), ("ok 好的", "zh"),
    ("shebaoka buban", "zh"), ("wo xiang yue yumaoqiu", "zh"), ("Zhang Jiang", "zh"),
    ("ok", None), ("hi", None), ("yes", None), ("in zhangjiang", None), ("Lujiazui", None), ("#pick:12", None),
    ("#intent:booking.cancel?choice=5", None),
    ("2", None),
])
def test_a_message_is_english_only_when_it_is_mostly_english_words(text, language):
    assert written_in(text) == language
