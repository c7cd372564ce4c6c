"""An ID or phone number a resident types into the chat: never stored, echoed or logged in clear."""

import json
import logging

import pytest

from portal.chat.models import ChatSession, ChatTurn, HandoffTicket, UnmatchedQuestion

pytestmark = pytest.mark.django_db

ID = "11010519491231002X"
PHONE = "13900000001"


def _clear_digits(value) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return "".join(c for c in text if c.isalnum()).upper()


@pytest.mark.parametrize("text", [
    f"{ID} 怎么办社保卡",
    f"我的身份证号是{ID}，帮我查办件进度",
    f"身份证 {ID[:6]} {ID[6:14]} {ID[14:]} 查办件",
    f"我的手机 {PHONE[:3]}-{PHONE[3:7]}-{PHONE[7:]} 转人工",
    f"查一下 {PHONE} 的预约",
    ID,
])
def test_a_number_typed_into_the_chat_is_masked_in_the_reply_the_transcript_and_the_logs(api, say, text, caplog):
    caplog.set_level(logging.DEBUG)
    status, body = say(api, text)
    assert status == 200
    status, _ = say(api, "转人工", session=body["session"])  # the hand-off ticket quotes the last turns
    say(api, "确认", session=body["session"])
    stored = {
        "reply": body,
        "turns": list(ChatTurn.objects.values("text", "normalized", "slots", "reply")),
        "state": list(ChatSession.objects.values_list("state", flat=True)),
        "unmatched": list(UnmatchedQuestion.objects.values("normalized", "example")),
        "handoffs": list(HandoffTicket.objects.values_list("reason", flat=True)),
        "logs": caplog.text,
    }
    for where, value in stored.items():
        clear = _clear_digits(value)
        assert ID[:14] not in clear and ID[6:] not in clear, where
        assert PHONE not in clear, where
