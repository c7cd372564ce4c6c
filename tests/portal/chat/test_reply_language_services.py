"""The chat's clarifications and the 一网通办 replies (service guides, application progress) in the
resident's language (docs/chat.md, "Reply language"): a Chinese conversation reads exactly as it
did before they could be said in English."""

import json
import os
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "data" / "zh_clarification_and_service_replies.json"
_RECEIPT = re.compile(r"PD\d{14}")


@pytest.fixture
def guides(django_capture_on_commit_callbacks):
    """Items whose guides say every kind of thing: materials in each form (a copy count, a condition,
    a 委托书), two places or none, online or not, a business-only item, limits promised, legal or
    none, fees or none, an FAQ."""
    from services import actions
    from services.models import Material, ServiceItem

    police = actions.department_upsert(name="区公安分局", phone="021-58880110")
    social = actions.department_upsert(name="区人社局")
    market = actions.department_upsert(name="区市场监管局", phone="021-50001234")
    centre = actions.location_upsert(name="区行政服务中心", address="合欢路 201 号", phone="021-58881000",
                                     hours="周一至周六 9:00-17:00")
    station = actions.location_upsert(name="张江派出所", address="祖冲之路 100 号")
    with django_capture_on_commit_callbacks(execute=True):
        permit = ServiceItem.objects.create(
            name="居住证申领", department=police, code="G-1", promised_limit_days=7, legal_limit_days=15,
            visits_required=1, online=True, online_url="https://zwdt.example.gov.cn/jzz",
            faq=[{"q": "外地户口能在这里办吗", "a": "可以，在本区居住登记满半年即可申领。"}])
        permit.locations.add(centre, station)
        permit.materials.create(position=1, name="居民身份证", form=Material.Form.ORIGINAL)
        permit.materials.create(position=2, name="居住登记凭证", form=Material.Form.COPY, copies=2)
        permit.materials.create(position=3, name="代办人的授权委托书", form=Material.Form.ORIGINAL,
                                requirement=Material.Requirement.CONDITIONAL, condition="委托他人办理的")
        permit.materials.create(position=4, name="居住证申领表", form=Material.Form.FORM)
        card = ServiceItem.objects.create(name="社会保障卡申领", department=social, code="G-2", legal_limit_days=20,
                                          fee="工本费 20 元")
        ServiceItem.objects.create(name="社会保障卡挂失", department=social, code="G-3", promised_limit_days=0,
                                   visits_required=0, online=True, fee="")
        food = ServiceItem.objects.create(name="食品经营许可证核发", department=market, code="G-4",
                                          audience=ServiceItem.Audience.BUSINESS, online=True,
                                          online_url="https://zwdt.example.gov.cn/spjy", promised_limit_days=10,
                                          visits_required=2)
        food.locations.add(centre)
        food.materials.create(position=1, name="营业执照", form=Material.Form.ELECTRONIC)
        actions.catalogue_touch()
    return {"permit": permit, "card": card, "food": food}


@pytest.fixture
def applications(guides, realname_resident):
    """The resident's applications: one waiting, one needing more, one refused, one done."""
    from services import actions

    def submitted(item, *path, note=""):
        application = actions.application_submit(user=realname_resident, item_id=item.pk, channel="counter")
        for n, status in enumerate(path, start=1):
            actions.application_status_change(application_id=application.pk, status=status,
                                              note=note if n == len(path) else "")
        return application

    loss = guides["card"].department.items.get(name="社会保障卡挂失")
    return [submitted(guides["permit"], "accepted"),
            submitted(guides["card"], "accepted", "needs_more", note="请补交近期一寸照片"),
            submitted(loss, "rejected", note="社会保障卡已注销")]


def _recorded(reply: dict) -> dict:
    numbers: dict[str, str] = {}

    def plain(text: str) -> str:
        return _RECEIPT.sub(lambda m: numbers.setdefault(m.group(0), f"<PD{len(numbers) + 1}>"), text)

    return {"text": plain(reply["text"]), "quick_replies": [plain(q["title"]) for q in reply["quick_replies"]],
            "cards": [plain(" | ".join(str(c.get(k, "")) for k in ("type", "title", "department", "status_display",
                                                                   "expected_completion"))) for c in reply["cards"]]}


SERVICE_TURNS = ("暂住证怎么办", "需要带什么", "在哪办", "多久能办好", "要钱吗", "外地户口能办吗", "可以代办吗",
                 "要本人去吗", "社保卡怎么申领", "需要什么材料", "在哪办", "多久能办好", "收费吗", "刚才那个呢",
                 "社保卡挂失", "在哪办", "多久能办好", "要钱吗", "要本人去吗", "食品经营许可证怎么办", "在哪办",
                 "多久能办好", "需要带什么", "#intent:service.search?item=99999999", "#intent:service.search",
                 "火星签证怎么办理")
CLARIFYING_TURNS = ("羽毛球", "家庭医生", "第二个", "算了", "约场", "嗯嗯嗯", "羽毛球", "随便吧", "明天", "下午",
                    "1号场", "#pick:999999", "2号场14点那个", "第一个", "不", "明天下午订羽毛球", "第一个", "什么鬼",
                    "确认", "转人工", "算了", "今天天气怎么样")
PROGRESS_TURNS = ("我的申请办到哪了", "我那个居住证的办好了没", "社保卡申领的进度", "受理编号PD20260101000000查进度")


def _conversation(chat, turns) -> list[dict]:
    return [chat.reply(text) for text in turns]


def test_chinese_clarifications_service_guides_and_progress_read_exactly_as_before(
        at_the_recording_time, chat, api, guides, applications, realname_resident, zhangjiang):
    """Guides (materials, places, time, fees, FAQ, business-only, nothing found), the engine's own
    questions (which of two meanings, which sport or day, not understood, which one, waiting for a
    yes, sign in first) and 办件进度 in Chinese: byte for byte the replies recorded before any of them
    could be said in English."""
    from tests.portal.chat.conftest import bearer

    replies = _conversation(chat, SERVICE_TURNS)
    chat.session = None
    replies += _conversation(chat, ("我的预约",))  # anonymous: sign in first
    chat.session = None
    chat.as_(realname_resident)
    replies += _conversation(chat, CLARIFYING_TURNS)
    chat.session = None
    replies += _conversation(chat, PROGRESS_TURNS)
    typo = applications[0].receipt_number[:-1] + ("1" if applications[0].receipt_number[-1] != "1" else "2")
    replies += _conversation(chat, (f"{typo} 办好了吗",))
    replies += _conversation(chat, (f"{applications[0].receipt_number} 进度",))
    from tests.booking.conftest import make_resident

    chat.session = None
    api.credentials(HTTP_AUTHORIZATION=bearer(make_resident(name="小赵")))
    replies += _conversation(chat, ("我的申请办到哪了",))
    recorded = [_recorded(r) for r in replies]
    if os.environ.get("EN23_WRITE_GOLDEN"):
        GOLDEN.write_text(json.dumps(recorded, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert recorded == json.loads(GOLDEN.read_text(encoding="utf-8"))



# --- the engine's own questions in English ---------------------------------------------------------


def test_an_english_resident_is_asked_for_what_is_missing_in_english(chat, realname_resident, zhangjiang):
    """Which sport, which day (again, when the answer was not understood), which of two meanings, a
    task waiting for a yes, an option no longer on offer, starting again: they were Chinese (or
    prefixed with 没听明白) after an English message."""
    chat.as_(realname_resident)
    reply = chat.reply("I want to book a court")
    assert reply["text"] == "Which sport would you like to book? Badminton, basketball or something else?"
    reply = chat.reply("blah blah blah")
    assert reply["text"] == ("Sorry, I didn't catch that. "
                             "Which sport would you like to book? Badminton, basketball or something else?")
    assert [q["title"] for q in reply["quick_replies"]][:2] == ["Badminton", "Basketball"]
    chat.reply("badminton please")
    reply = chat.reply("whatever you like")
    assert reply["text"] == ("Sorry, I didn't catch that. "
                             "Which day would you like? For example tomorrow, or Saturday.")
    reply = chat.reply("#pick:999999")
    assert reply["text"] == ("That option is no longer available. Please choose from the latest list, or tell me "
                             "again what you would like to do.")
    assert [q["title"] for q in reply["quick_replies"]] == ["Service guides", "Book a court", "Family doctor",
                                                            "Talk to a human"]

    chat.reply("book a badminton court tomorrow afternoon")
    chat.reply("the first one")
    reply = chat.reply("what the heck")
    assert reply["text"] == ("Still waiting for your confirmation (Book a court): reply \"yes\" to go ahead, "
                             "or say \"never mind\" to drop it.")
    assert [q["title"] for q in reply["quick_replies"]] == ["Confirm", "Never mind"]
    reply = chat.reply("no")
    assert reply["text"] == "OK, I've dropped it. Anything else I can help with?"
    reply = chat.reply("family doctor please")
    assert reply["text"] == "I'm not quite sure what you mean. Did you mean:"
    assert [q["title"] for q in reply["quick_replies"]] == ["My family doctor", "Ask a doctor"]
    reply = chat.reply("never mind")
    assert reply["text"] == "OK, cancelled. Let's start again. Anything else I can help with?"


def test_an_english_fallback_offers_the_closest_choices_in_english_and_a_sign_in_is_asked_for_in_english(chat, api):
    api.credentials(HTTP_ACCEPT_LANGUAGE="en")  # a word alone says nothing of its language: the request's
    reply = chat.reply("badminton")  # what the bot can do, and the closest intents
    assert reply["text"] == (
        "Sorry, I didn't quite understand. I can look up service guides and the progress of your applications, "
        "book sports courts, find your family doctor and show your health records. Did you mean one of these? "
        "You can also ask me in other words.")
    assert [q["title"] for q in reply["quick_replies"]] == ["Find a venue", "Book a court", "Talk to a human"]
    chat.session = None
    reply = chat.reply("show my bookings")
    assert reply["text"] == "Please sign in to use My bookings; I will carry on once you have."
    assert [q["title"] for q in reply["quick_replies"]] == ["Sign in"]
    assert reply["cards"][0]["type"] == "login" and reply["cards"][0]["title"] == "登录后继续"  # a card keeps its words


def test_an_english_hand_off_to_staff_gives_the_ticket_in_english(chat):
    chat.reply("talk to a human")
    reply = chat.reply("yes")
    number = re.search(r"RG\d{8}[0-9A-F]{6}", reply["text"]).group(0)
    assert reply["text"] == (f"You have been handed over to our staff (ticket {number}); they will contact you "
                             "as soon as possible. You can also keep leaving messages here.")


# --- the service guides in English ------------------------------------------------------------------


def _titles(reply: dict) -> list[str]:
    return [q["title"] for q in reply["quick_replies"]]


def test_an_english_service_guide_says_its_own_sentences_in_english_and_the_catalogue_as_written(chat, guides):
    """What to bring, where, how long, how much: the bot's sentences were Chinese after an English
    question; now they are English around the catalogue's own words (names, addresses, hours,
    conditions, fees), and the cards keep their fields (contract)."""
    reply = chat.reply("how do I apply for a residence permit")
    assert reply["text"] == "The closest match is \"居住证申领\" (区公安分局). What would you like to know?"
    assert _titles(reply) == ["What to bring", "Where to apply", "How long it takes", "Fees"]
    assert reply["cards"][0] == {**reply["cards"][0], "type": "service_item", "id": guides["permit"].id,
                                 "title": "居住证申领", "department": "区公安分局"}

    reply = chat.reply("What do I need to bring?")
    assert reply["text"] == ("To apply for \"居住证申领\", bring:\n"
                             "1. 居民身份证 (original)\n"
                             "2. 居住登记凭证 (copy, 2 copies)\n"
                             "3. 代办人的授权委托书 (original; needed if: 委托他人办理的)\n"
                             "4. 居住证申领表 (application form, filled in on site or online)")
    assert _titles(reply) == ["Where to apply", "How long it takes", "Fees"]
    assert reply["cards"] == [{"type": "service_item", "id": guides["permit"].id, "title": "居住证申领",
                               "department": "区公安分局"}]
    for said, answer in ENGLISH_GUIDES:
        assert chat.reply(said)["text"] == answer, said


ENGLISH_GUIDES = [  # (an English question, the answer), one conversation after the permit's materials
    ("where do I apply", "You can apply online: https://zwdt.example.gov.cn/jzz. Where to apply:\n"
                         "• 区行政服务中心 (合欢路 201 号; 周一至周六 9:00-17:00; tel. 021-58881000)\n"
                         "• 张江派出所 (祖冲之路 100 号)"),
    ("How long does it take?", "\"居住证申领\": done within 7 working days (the promised limit), at most one visit."),
    ("how much does it cost", "\"居住证申领\" is free of charge."),
    ("how do I get a social security card",
     "The closest match is \"社会保障卡申领\" (区人社局). What would you like to know?"),
    ("what documents do I need",
     "For the materials of \"社会保障卡申领\", please ask 区人社局 (at its service counter)."),
    ("where", "\"社会保障卡申领\" cannot be done online yet; please ask 区人社局."),
    ("how long", "\"社会保障卡申领\": done within 20 working days (the legal limit)."),
    ("what is the fee", "\"社会保障卡申领\" has a fee: 工本费 20 元."),  # the catalogue's fee as written
]


def test_english_guides_of_an_item_done_online_and_of_a_business_only_item(chat, guides):
    """Taps of an English answer's buttons keep English (their payloads name the item and the topic)."""
    loss = guides["card"].department.items.get(name="社会保障卡挂失")
    chat.reply("how do I report a lost social security card")
    reply = chat.reply(f"#intent:service.search?item={loss.pk}&topic=time")
    assert reply["text"] == "\"社会保障卡挂失\": done on the spot, entirely online, no visit needed."
    reply = chat.reply(f"#intent:service.search?item={loss.pk}&topic=locations")
    assert reply["text"] == "You can apply online."
    food = guides["food"].pk
    reply = chat.reply(f"#intent:service.search?item={food}&topic=locations")
    assert reply["text"] == (
        "\"食品经营许可证核发\" is for businesses and other organisations (legal persons); a personal account cannot "
        "apply for it here: the organisation's representative applies online at https://zwdt.example.gov.cn/spjy "
        "as the legal person. Where to apply: 区行政服务中心 (合欢路 201 号; 周一至周六 9:00-17:00; "
        "tel. 021-58881000).")
    reply = chat.reply(f"#intent:service.search?item={food}&topic=time")
    assert reply["text"] == ("\"食品经营许可证核发\": done within 10 working days (the promised limit), "
                             "2 visits in person.")
    reply = chat.reply(f"#intent:service.search?item={food}&topic=materials")
    assert reply["text"] == "To apply for \"食品经营许可证核发\", bring:\n1. 营业执照 (electronic)"


def test_english_questions_without_a_matter_an_item_gone_and_nothing_found(chat, api, guides):
    api.credentials(HTTP_ACCEPT_LANGUAGE="en")  # payloads say nothing of their language: the request's
    for tapped, answer in [
        ("#intent:service.search?topic=materials", "Which matter do you want to know the materials needed for? "
         "Tell me what you need to get done, e.g. \"I lost my ID card\" or \"apply for a residence permit\"."),
        ("#intent:service.search", "What would you like to get done? Tell me, e.g. \"I lost my ID card\", \"what "
         "to do for a newborn baby\" or \"how to withdraw my housing fund\"."),
        ("#intent:service.search?item=99999999",
         "This matter cannot be applied for at the moment. Please ask me in other words."),
    ]:
        assert chat.reply(tapped)["text"] == answer, tapped
    reply = chat.reply("how to apply for a mars visa")
    assert reply["text"].startswith("No service matter found for \"") and reply["text"].endswith(
        "\". Try other words, or say \"talk to a human\".")
    assert _titles(reply) == ["Talk to a human"]


def test_an_english_guide_says_which_materials_the_resident_has_on_file(guides):
    """A material the resident holds as an electronic licence: the note is English too (the query's
    paragraph is said again in English by the chat, sentence by sentence with its values)."""
    from portal.chat.sentences import in_language
    from services import actions
    from services.queries import guide_answer, item_guide

    id_card = actions.licence_type_upsert(code="id_card", name="居民身份证")
    guides["permit"].materials.filter(name="居民身份证").update(licence_type=id_card)
    item, _ = item_guide(item_id=guides["permit"].pk)
    answer = guide_answer(item, "materials", {id_card.pk})
    assert answer.splitlines()[1] == "1. 居民身份证（原件，已有电子证照，免于提交）"  # the Chinese, as before
    assert in_language("en", answer).splitlines()[1] == (
        "1. 居民身份证 (original; on file as your e-licence, no need to bring it)")


# --- 办件进度 in English ------------------------------------------------------------------------------


def test_english_application_progress_says_each_status_and_what_to_do_in_english(
        at_the_recording_time, chat, applications, realname_resident):
    """The status, the due date, what to add and why it was refused: Chinese after an English question
    until now; the clerk's notes and the item names stay as written."""
    permit, card, loss = (a.receipt_number for a in applications)
    chat.as_(realname_resident)
    reply = chat.reply("check my application status")
    assert reply["text"] == ("Your latest applications:\n"
                             f"\"社会保障卡挂失\" ({loss}): Not accepted. Reason: 社会保障卡已注销\n"
                             f"\"社会保障卡申领\" ({card}): More documents needed: 请补交近期一寸照片. "
                             "It continues once you have handed that in.\n"
                             f"\"居住证申领\" ({permit}): Accepted, expected to be done by Fri 4 Dec")
    assert [c["status_display"] for c in reply["cards"]] == ["不予受理", "需补件", "已受理"]  # card fields (contract)

    reply = chat.reply("PD20260101000000 status please")
    assert reply["text"] == ("No application of yours has the receipt number PD20260101000000. "
                             "Please check the number.")
    typo = permit[:-1] + ("1" if permit[-1] != "1" else "2")
    reply = chat.reply(f"{typo} status please")
    assert reply["text"] == f"You have no application with receipt number {typo}. Did you mean {permit}?"
    assert [q["title"] for q in reply["quick_replies"]] == [permit]
    reply = chat.reply(reply["quick_replies"][0]["payload"])  # tapped: the conversation's language
    assert reply["text"] == f"\"居住证申领\" ({permit}): Accepted, expected to be done by Fri 4 Dec"


def test_english_progress_of_a_resident_without_applications(chat):
    from tests.booking.conftest import make_resident

    chat.as_(make_resident(name="小赵"))
    reply = chat.reply("check my application status")
    assert reply["text"] == ("You have no applications submitted online yet. To get a matter done, ask me e.g. "
                             "\"how do I apply for a residence permit\".")


def test_a_button_word_typed_right_after_an_english_answer_keeps_english(chat, realname_resident, zhangjiang):
    """Typed or tapped, 确认 and 我的预约 right after an English answer offering them are its buttons:
    the answer stays English (typed later, when no answer offers them, they are Chinese)."""
    chat.as_(realname_resident)
    chat.reply("book a badminton court tomorrow afternoon")
    chat.reply("the first one")
    assert chat.reply("what the heck")["text"].startswith("Still waiting for your confirmation")
    reply = chat.reply("确认")
    assert reply["text"].startswith(f"Booked: {zhangjiang.venue.name} 1号场")
    reply = chat.reply("我的预约")
    assert reply["text"].startswith("Upcoming bookings: 1.")
    assert chat.reply("我的预约")["text"].startswith("您有 1 个待使用的预约")  # no button of the last answer
