"""The 一网通办 skills answer from the services app's catalogue and applications — the same read
side as its REST API."""

import datetime

import pytest

from portal.accounts import actions as account_actions
from portal.accounts.idcard import make as make_id_number
from tests.portal.chat.conftest import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(django_capture_on_commit_callbacks):
    from services import actions
    from services.models import ServiceItem

    police = actions.department_upsert(name="区公安分局", phone="021-58880110")
    social = actions.department_upsert(name="区人社局")
    with django_capture_on_commit_callbacks(execute=True):
        permit = ServiceItem.objects.create(name="居住证申领", department=police, code="T-1", promised_limit_days=7)
        permit.materials.create(position=1, name="居民身份证")
        permit.materials.create(position=2, name="居住登记凭证")
        card = ServiceItem.objects.create(name="社会保障卡申领", department=social, code="T-2")
        ServiceItem.objects.create(name="社会保障卡挂失", department=social, code="T-3")
        actions.catalogue_touch()
    return {"permit": permit, "card": card}


def test_service_search_answers_with_catalogue_items_best_first(api, say, catalogue):
    _, body = say(api, "暂住证怎么办")
    assert body["intent"]["name"] == "service.search"
    cards = body["reply"]["cards"]
    assert cards[0] == {**cards[0], "type": "service_item", "id": catalogue["permit"].id, "title": "居住证申领"}
    assert cards[0]["score"] >= cards[-1]["score"]
    assert [q["title"] for q in body["reply"]["quick_replies"]] == ["需要什么材料", "在哪办", "多久能办好", "收费吗"]


def test_asking_what_to_bring_answers_from_the_items_guide(api, say, catalogue):
    _, body = say(api, "办居住证需要带什么材料")
    assert "居民身份证" in body["reply"]["text"] and "居住登记凭证" in body["reply"]["text"]


def test_a_guide_quick_reply_answers_that_part_of_the_guide(api, say, catalogue):
    _, first = say(api, "shebaoka zenme ban")
    assert first["reply"]["cards"][0]["id"] == catalogue["card"].id
    _, body = say(api, first["reply"]["quick_replies"][2]["payload"], first["session"])
    assert body["intent"]["name"] == "service.search"
    assert "社会保障卡申领" in body["reply"]["text"]


def test_a_question_after_a_search_is_about_the_item_shown(api, say, catalogue):
    _, first = say(api, "暂住证怎么办")
    session = first["session"]
    _, body = say(api, "需要带什么", session)
    assert body["intent"]["name"] == "service.search"
    assert "居民身份证" in body["reply"]["text"] and "居住登记凭证" in body["reply"]["text"]
    assert body["reply"]["cards"][0]["id"] == catalogue["permit"].id
    _, body = say(api, "多久能办好", session)  # not a fallback: the item is still on the screen
    assert body["intent"]["name"] == "service.search"
    assert body["reply"]["text"] == "「居住证申领」承诺 7 个工作日内办结。"
    _, body = say(api, "要钱吗", session)
    assert body["reply"]["text"] == "「居住证申领」不收费。"


def test_an_english_question_after_a_search_is_about_the_item_shown(api, say, catalogue):
    _, first = say(api, "how do I apply for a residence permit")
    assert first["reply"]["cards"][0]["id"] == catalogue["permit"].id
    _, body = say(api, "What do I need to bring?", first["session"])
    assert "居民身份证" in body["reply"]["text"]  # the catalogue's names as written, in an English answer
    _, body = say(api, "How long does it take?", first["session"])
    assert body["reply"]["text"] == "\"居住证申领\": done within 7 working days (the promised limit)."


def test_a_question_naming_another_matter_searches_anew(api, say, catalogue):
    _, first = say(api, "暂住证怎么办")
    _, body = say(api, "那社保卡要带什么", first["session"])
    assert body["reply"]["cards"][0]["id"] == catalogue["card"].id
    assert "社会保障卡申领" in body["reply"]["text"]


def test_what_to_bring_with_nothing_shown_asks_which_matter(api, say, catalogue):
    _, body = say(api, "需要带什么")
    assert body["intent"]["name"] == "service.search"
    assert body["reply"]["text"].startswith("您想了解哪件事的所需材料？")
    assert body["reply"]["cards"] == []


def test_service_progress_lists_the_residents_own_applications(api, say, catalogue):
    from services.actions import application_submit

    resident = account_actions.resident_for_phone(phone="13800000077", display_name="周七")
    id_number = make_id_number("310115", datetime.date(1990, 1, 2), 77)
    resident = account_actions.realname_bind(user=resident, name="周七", id_number=id_number)
    application = application_submit(user=resident, item_id=catalogue["permit"].id, channel="counter")
    api.credentials(HTTP_AUTHORIZATION=bearer(resident))
    _, body = say(api, "我的申请办到哪了")
    assert body["intent"]["name"] == "service.progress"
    assert body["reply"]["cards"][0] == {**body["reply"]["cards"][0], "type": "application",
                                         "id": application.receipt_number, "title": "居住证申领"}
    _, body = say(api, f"受理编号 {application.receipt_number.lower()} 查进度", body["session"])
    assert application.receipt_number in body["reply"]["text"]
    _, body = say(api, "受理编号PD20260101000000查进度", body["session"])
    assert "没有找到" in body["reply"]["text"]
    typo = application.receipt_number[:-1] + ("1" if application.receipt_number[-1] != "1" else "2")
    _, body = say(api, f"{typo} 办好了吗", body["session"])  # one digit off: the same offer as the REST lookup
    assert f"是不是 {application.receipt_number}" in body["reply"]["text"]
    offer = body["reply"]["quick_replies"][0]
    assert offer["title"] == application.receipt_number
    _, body = say(api, offer["payload"], body["session"])
    assert body["reply"]["cards"][0]["id"] == application.receipt_number


def test_service_progress_reads_the_status_in_chinese_whatever_the_clients_accept_language(api, say, catalogue):
    """The reply is Chinese: 「居住证申领」（PD…）：Submitted was English in the middle of it."""
    from services.actions import application_submit

    resident = account_actions.resident_for_phone(phone="13800000078", display_name="周八")
    id_number = make_id_number("310115", datetime.date(1990, 1, 3), 78)
    resident = account_actions.realname_bind(user=resident, name="周八", id_number=id_number)
    application_submit(user=resident, item_id=catalogue["permit"].id, channel="counter")
    api.credentials(HTTP_AUTHORIZATION=bearer(resident), HTTP_ACCEPT_LANGUAGE="en")
    _, body = say(api, "我的申请办到哪了")
    card = body["reply"]["cards"][0]
    assert card["status_display"] == "已提交" and "：已提交" in body["reply"]["text"]


@pytest.mark.parametrize("payload", ["#intent:service.search?item=abc&topic=x", "#intent:service.search?item=999999",
                                     "#intent:nope", "#intent:", "#intent:service.search?item=²",
                                     "#intent:service.search?item=99999999999999999999"])
def test_odd_payloads_get_an_answer_not_an_error(api, say, catalogue, payload):
    status, body = say(api, payload)
    assert status == 200 and body["reply"]["text"]


@pytest.mark.parametrize(("text", "is_service"), [
    ("我想开个小饭馆", True), ("开家饭店要办什么", True), ("我想开一家小吃店", True), ("开公司", True),
    ("饭店几点开门", False), ("几点开饭", False),
])
def test_opening_a_business_said_plainly_is_a_service_question_and_opening_hours_are_not(api, say, text, is_service):
    _, body = say(api, text)
    assert (body["intent"]["name"] == "service.search") is is_service, body["intent"]


@pytest.fixture
def disability(django_capture_on_commit_callbacks):
    """Items about 残疾 of near-equal fit for the one word, one of them frequent (高频事项)."""
    from services import actions
    from services.models import ServiceItem

    federation = actions.department_upsert(name="区残疾人联合会")
    with django_capture_on_commit_callbacks(execute=True):
        items = {
            "rehab": ServiceItem.objects.create(name="残疾儿童康复救助申请", department=federation, code="D-1"),
            "aids": ServiceItem.objects.create(name="残疾人辅助器具适配和补贴", department=federation, code="D-2"),
            "card": ServiceItem.objects.create(name="残疾人证办理（新办）", department=federation, code="D-3",
                                               frequent=True),
        }
        actions.catalogue_touch()
    return items


def test_one_word_naming_a_frequent_items_matter_is_answered_with_that_item_first(api, say, disability):
    _, body = say(api, "残疾")
    assert body["intent"]["name"] == "service.search"
    cards = body["reply"]["cards"]
    assert cards[0]["id"] == disability["card"].id and len(cards) == 3
    assert body["reply"]["text"].startswith("“残疾”相关的事项有好几项，常办的是「残疾人证办理（新办）」")


def test_without_a_frequent_item_one_word_is_not_taken_for_a_service_question(
        api, say, disability, django_capture_on_commit_callbacks):
    from services import actions
    from services.models import ServiceItem

    with django_capture_on_commit_callbacks(execute=True):  # an editor unmarks it: the index follows
        ServiceItem.objects.filter(pk=disability["card"].pk).update(frequent=False)
        actions.catalogue_touch()
    _, body = say(api, "残疾")
    assert body["intent"]["name"] == "fallback"  # one word matching names alone is no evidence (日期, 知青)
    _, body = say(api, "残疾儿童康复怎么申请")  # a question saying more is answered as before
    assert body["intent"]["name"] == "service.search"
    assert body["reply"]["text"].startswith("最相关的是「残疾儿童康复救助申请」")


@pytest.mark.parametrize(("text", "intent"), [
    ("港澳通行证续签", "service.search"), ("驾照续签", "service.search"), ("护照续签", "service.search"),
    ("家庭医生续签", "doctor.sign"), ("家庭医生到期了要续签", "doctor.sign"),
])
def test_renewing_a_document_is_not_signing_with_a_family_doctor(api, say, catalogue, text, intent):
    """续签 renews whatever it follows: a permit is a catalogue question, only a family doctor's
    contract is doctor.sign (the word once stood for 签约 everywhere and offered a doctor for a permit)."""
    _, body = say(api, text)
    assert body["intent"]["name"] == intent


@pytest.fixture
def permits(django_capture_on_commit_callbacks):
    from services import actions
    from services.models import ServiceItem

    immigration = actions.department_upsert(name="区公安分局出入境管理办公室")
    insurance = actions.department_upsert(name="区医疗保障局")
    with django_capture_on_commit_callbacks(execute=True):
        ServiceItem.objects.create(name="往来台湾通行证及签注办理", department=immigration, code="P-1")
        ServiceItem.objects.create(name="长期护理保险需求评估申请", department=insurance, code="P-2",
                                   aliases=["长护险评估"])
        actions.catalogue_touch()


@pytest.mark.parametrize(("text", "item"), [("台湾通行证", "往来台湾通行证及签注办理"),
                                            ("长护险", "长期护理保险需求评估申请")])
def test_a_message_that_is_one_items_own_name_is_answered_with_the_item(api, say, permits, text, item):
    """One term of three characters or more that an item matches almost whole needs no second
    term to agree with (a short word alone — 日期 — still does): it was a fallback."""
    _, body = say(api, text)
    assert body["intent"]["name"] == "service.search"
    assert body["reply"]["cards"][0]["title"] == item


def test_a_two_character_word_alone_is_still_no_evidence(api, say, permits):
    _, body = say(api, "台湾")
    assert body["intent"]["name"] != "service.search" or body["intent"]["confidence"] < 0.5


def test_tapping_the_guide_quick_reply_of_a_fallback_asks_what_matter_never_searches_the_payload(api, say, catalogue):
    """办事指南 under a fallback sends ``#intent:service.search``: the payload itself was searched
    (no item "intentservicesearch": 没找到 … 您是不是要找：外国人居留许可) and leaked into the reply."""
    _, first = say(api, "多久能办好")
    payload = next(q["payload"] for q in first["reply"]["quick_replies"] if q["title"] == "办事指南")
    _, body = say(api, payload, first["session"])
    assert body["intent"]["name"] == "service.search"
    assert "intent" not in body["reply"]["text"] and "intent" not in str(body["slots"])
    assert body["reply"]["cards"] == []
    assert "哪件事" in body["reply"]["text"] or "什么事" in body["reply"]["text"]
    _, body = say(api, "#intent:service.search?topic=locations")
    assert "intent" not in body["reply"]["text"] and "intent" not in str(body["slots"])


def test_picking_the_guide_in_a_clarification_answers_the_question_asked(api, say, catalogue):
    _, first = say(api, "居住证申领的进度")
    assert first["intent"]["name"] == "service.progress" and "#intent:service.search" in [
        q["payload"] for q in first["reply"]["quick_replies"]], first
    _, body = say(api, "#intent:service.search", first["session"])
    assert body["reply"]["cards"][0]["id"] == catalogue["permit"].id
    assert "intent" not in str(body["slots"])


def test_a_follow_up_in_traditional_characters_is_about_the_item_shown(api, say, catalogue):
    """要帶什麼 after 居住证 searched the catalogue for 带 and answered with another item; 在哪裡辦 was a
    fallback: the guide's topic words were looked up in the raw text."""
    _, first = say(api, "暂住证怎么办")
    _, body = say(api, "要帶什麼", first["session"])
    assert body["reply"]["cards"][0]["id"] == catalogue["permit"].id
    assert "居住登记凭证" in body["reply"]["text"]
    _, body = say(api, "在哪裡辦", first["session"])
    assert body["intent"]["name"] == "service.search"
    assert body["reply"]["cards"][0]["id"] == catalogue["permit"].id



@pytest.mark.parametrize("question", ["那个地方几点关门", "几点下班", "周末开门吗", "办公时间是几点"])
def test_asking_when_the_office_is_open_after_a_search_answers_its_hours(api, say, catalogue, question):
    """那个地方几点关门 after the item's 在哪办 listed 36 sports venues; 几点下班 was a fallback."""
    from services.models import ServiceLocation

    hall = ServiceLocation.objects.create(name="区行政服务中心", address="合欢路 201 号",
                                          hours="周一至周五 9:00-17:00，周六 9:00-12:00")
    catalogue["permit"].locations.add(hall)
    _, first = say(api, "暂住证怎么办")
    _, body = say(api, "在哪办", first["session"])
    _, body = say(api, question, first["session"])
    assert body["intent"]["name"] == "service.search"
    assert "周一至周五 9:00-17:00" in body["reply"]["text"]
    assert body["reply"]["cards"][0]["id"] == catalogue["permit"].id


def test_an_application_that_needs_more_says_what_to_bring(api, say, catalogue):
    """需补件 was all the chat said: the note telling the resident what to add (in the timeline and
    the notification) was missing, next to a due date that does not hold while the clock is stopped."""
    from services.actions import application_status_change, application_submit

    resident = account_actions.resident_for_phone(phone="13800000078", display_name="周八")
    id_number = make_id_number("310115", datetime.date(1990, 1, 3), 78)
    resident = account_actions.realname_bind(user=resident, name="周八", id_number=id_number)
    application = application_submit(user=resident, item_id=catalogue["permit"].id, channel="counter")
    application_status_change(application_id=application.id, status="accepted")
    application_status_change(application_id=application.id, status="needs_more", note="请补充近 6 个月的租房合同。")
    api.credentials(HTTP_AUTHORIZATION=bearer(resident))
    _, body = say(api, "我的申请办到哪了")
    assert "请补充近 6 个月的租房合同" in body["reply"]["text"]
    assert "前办结" not in body["reply"]["text"]
    _, body = say(api, f"受理编号 {application.receipt_number} 查进度", body["session"])
    assert "请补充近 6 个月的租房合同" in body["reply"]["text"]
    # The card had the due date from before the pause, as the REST API did.
    card = body["reply"]["cards"][0]
    assert card["expected_completion"] is None and card["clock_paused"] is True


@pytest.mark.parametrize(("due", "estimate", "said"), [
    (datetime.date(2026, 12, 4), False, "预计12月4日前办结"),  # without a leading zero
    # Counted Monday to Friday (chinesecalendar has no 2027 holidays yet): was 预计1月5日前办结, as if known.
    (datetime.date(2027, 1, 5), True, "预计2027年1月5日前办结（估算"),
])
def test_an_expected_date_reads_well_and_says_when_it_is_an_estimate(api, say, catalogue, due, estimate, said):
    from services.actions import application_status_change, application_submit
    from services.models import Application

    resident = account_actions.resident_for_phone(phone="13800000079", display_name="周九")
    id_number = make_id_number("310115", datetime.date(1990, 1, 4), 79)
    resident = account_actions.realname_bind(user=resident, name="周九", id_number=id_number)
    application = application_submit(user=resident, item_id=catalogue["permit"].id, channel="counter")
    application_status_change(application_id=application.id, status="accepted")
    Application.objects.filter(pk=application.pk).update(expected_completion=due, expected_is_estimate=estimate)
    api.credentials(HTTP_AUTHORIZATION=bearer(resident))
    _, body = say(api, "我的申请办到哪了")
    assert said in body["reply"]["text"]
    assert body["reply"]["cards"][0]["expected_is_estimate"] is estimate


@pytest.mark.parametrize("typed", ["{n}", "{lower}到哪了", "查一下 {spaced}", "查进度 {hyphened}", "{wide}",
                                   "status of {n}", "where is my application {spaced}", "any news on {hyphened}?"])
def test_a_receipt_number_typed_as_residents_type_it_finds_the_application(api, say, catalogue, typed):
    """A receipt number pasted alone, in lower case or full-width was a fallback; typed in groups
    (PD 2026 1123 …) too; with hyphens the number was not read and every application was listed; after
    an English word ("status of PD…") the word was glued to the number and it was not found."""
    from services.actions import application_submit

    resident = account_actions.resident_for_phone(phone="13800000080", display_name="周十")
    id_number = make_id_number("310115", datetime.date(1990, 1, 5), 80)
    resident = account_actions.realname_bind(user=resident, name="周十", id_number=id_number)
    application_submit(user=resident, item_id=catalogue["card"].id, channel="counter")
    application = application_submit(user=resident, item_id=catalogue["permit"].id, channel="counter")
    n = application.receipt_number
    text = typed.format(n=n, lower=n.lower(), spaced=f"{n[:2]} {n[2:6]} {n[6:10]} {n[10:]}",
                        hyphened=f"{n[:2]}-{n[2:10]}-{n[10:]}",
                        wide="".join(chr(ord(c) + 0xFEE0) for c in n))
    api.credentials(HTTP_AUTHORIZATION=bearer(resident))
    _, body = say(api, text)
    assert body["intent"]["name"] == "service.progress"
    assert [c["id"] for c in body["reply"]["cards"]] == [n]


def test_a_receipt_number_alone_from_an_anonymous_resident_asks_to_sign_in(api, say):
    _, body = say(api, "PD20261123649860")
    assert body["intent"]["name"] == "service.progress"
    assert [c["type"] for c in body["reply"]["cards"]] == ["login"]


@pytest.mark.parametrize("text", ["13900000001", "我的护照E12345678过期了怎么办", "SF1234567890123到哪了"])
def test_a_phone_or_passport_number_is_not_taken_for_a_receipt(api, say, catalogue, text):
    _, body = say(api, text)
    assert body["intent"]["name"] != "service.progress"


def test_asking_whether_it_can_be_done_online_says_no_when_it_cannot(api, say, catalogue):
    """能网上办吗 for an item only done at a counter listed the counters without a word on the
    question asked (only online items said anything about it)."""
    from services.models import ServiceLocation

    hall = ServiceLocation.objects.create(name="区行政服务中心", address="合欢路 201 号", hours="周一至周五 9:00-17:00")
    catalogue["permit"].locations.add(hall)
    _, first = say(api, "暂住证怎么办")
    _, body = say(api, "能网上办吗", first["session"])
    assert body["reply"]["text"].startswith("「居住证申领」暂不能网上办理，请到窗口办理。")
    assert "合欢路 201 号" in body["reply"]["text"]


def test_an_item_for_businesses_only_is_said_to_be_no_personal_accounts_to_apply_for(
        api, say, catalogue, django_capture_on_commit_callbacks):
    from services import actions
    from services.models import ServiceItem

    with django_capture_on_commit_callbacks(execute=True):
        ServiceItem.objects.filter(pk=catalogue["card"].pk).update(
            name="单位社会保险登记", audience="法人", online=True, online_url="https://zwdt.example.gov.cn/employer")
        actions.catalogue_touch()
    _, first = say(api, "单位社会保险登记怎么办")
    assert first["reply"]["cards"][0]["id"] == catalogue["card"].id
    assert "面向企业和其他组织（法人），个人账号不能在这里申请" in first["reply"]["text"]
    _, body = say(api, "能网上办吗", first["session"])
    assert body["reply"]["text"].startswith("「单位社会保险登记」面向企业和其他组织（法人），个人账号不能在这里申请：")
    assert "https://zwdt.example.gov.cn/employer" in body["reply"]["text"]


@pytest.mark.parametrize(("question", "answer"), [
    ("外地人能办吗", "持外省市户口的，在本区连续居住满半年即可申请。"),
    ("我不是本地户口可以办吗", "持外省市户口的，在本区连续居住满半年即可申请。"),
    ("办好了怎么拿", "可选择窗口领取或邮寄到家。"),
])
def test_a_follow_up_the_items_faq_answers_gets_that_answer(api, say, catalogue, question, answer):
    """外地人能办吗 after an item was a fallback; 我不是本地户口可以办吗 searched anew and found 户口迁出."""
    catalogue["permit"].faq = [{"q": "外地户口能办居住证吗？", "a": "持外省市户口的，在本区连续居住满半年即可申请。"},
                               {"q": "办好了怎么拿？", "a": "可选择窗口领取或邮寄到家。"}]
    catalogue["permit"].save()
    _, first = say(api, "暂住证怎么办")
    _, body = say(api, question, first["session"])
    assert body["intent"]["name"] == "service.search"
    assert answer in body["reply"]["text"] and "居住证申领" in body["reply"]["text"]
    assert body["reply"]["cards"][0]["id"] == catalogue["permit"].id


def test_a_question_no_faq_answers_says_so_and_whom_to_ask(api, say, catalogue):
    """可以代办吗 / 需要本人去吗 were fallbacks: the chat now says what the guide knows, or whom to call."""
    catalogue["permit"].materials.create(position=3, name="授权委托书（委托他人办理时）")
    _, first = say(api, "暂住证怎么办")
    for question in ("可以让家里人帮我办吗", "可以让子女帮我办吗"):
        _, body = say(api, question, first["session"])
        assert "可以委托他人办理" in body["reply"]["text"] and "授权委托书" in body["reply"]["text"], question
    _, body = say(api, "需要本人去吗", first["session"])
    assert "没有写明" in body["reply"]["text"] and "021-58880110" in body["reply"]["text"]
    assert body["reply"]["cards"][0]["id"] == catalogue["permit"].id


def test_a_new_matter_after_an_item_is_still_a_new_search(api, say, catalogue):
    catalogue["permit"].faq = [{"q": "社保卡丢了影响办居住证吗？", "a": "不影响。"}]
    catalogue["permit"].save()
    _, first = say(api, "暂住证怎么办")
    _, body = say(api, "社保卡怎么挂失", first["session"])
    assert body["reply"]["cards"][0]["id"] != catalogue["permit"].id


def test_progress_of_the_application_named_answers_for_that_one(api, say, catalogue):
    """我那个社保卡的办好了没 listed every application instead of the one named."""
    from services.actions import application_submit

    resident = account_actions.resident_for_phone(phone="13800000079", display_name="周九")
    id_number = make_id_number("310115", datetime.date(1990, 1, 4), 79)
    resident = account_actions.realname_bind(user=resident, name="周九", id_number=id_number)
    permit = application_submit(user=resident, item_id=catalogue["permit"].id, channel="counter")
    card = application_submit(user=resident, item_id=catalogue["card"].id, channel="counter")
    api.credentials(HTTP_AUTHORIZATION=bearer(resident))
    _, body = say(api, "我那个社保卡的办好了没")
    assert body["intent"]["name"] == "service.progress"
    assert [c["id"] for c in body["reply"]["cards"]] == [card.receipt_number]
    _, body = say(api, "我的申请办到哪了")  # names none: all of them
    assert {c["id"] for c in body["reply"]["cards"]} == {permit.receipt_number, card.receipt_number}


def test_emoji_are_no_part_of_the_matter_asked_about(api, say, catalogue):
    """🙏🙏 社保卡丢了 put 谢谢谢谢社会保障卡丢 in the query slot."""
    _, body = say(api, "🙏🙏 社保卡怎么办")
    assert body["intent"]["name"] == "service.search"
    assert "谢谢" not in body["slots"]["query"] and "社会保障卡" in body["slots"]["query"]
    assert body["reply"]["cards"][0]["id"] == catalogue["card"].id


def test_a_question_naming_the_item_shown_is_about_that_item(api, say, catalogue, django_capture_on_commit_callbacks):
    """那个居住证要带什么 after 居住证签注 was shown searched anew and answered for 居住证申领."""
    from services import actions
    from services.models import ServiceItem

    with django_capture_on_commit_callbacks(execute=True):
        endorse = ServiceItem.objects.create(name="居住证签注", department=catalogue["permit"].department, code="T-9")
        endorse.materials.create(position=1, name="居住证原件")
        actions.catalogue_touch()
    _, first = say(api, "居住证签注")
    assert first["reply"]["cards"][0]["id"] == endorse.id
    _, fresh = say(api, "居住证要带什么")
    assert fresh["reply"]["cards"][0]["id"] == catalogue["permit"].id  # what a new search finds first
    _, body = say(api, "那个居住证要带什么", first["session"])
    assert body["reply"]["cards"][0]["id"] == endorse.id and "居住证原件" in body["reply"]["text"]


def test_pointing_back_returns_to_the_item_shown_before(api, say, catalogue):
    """刚才那个 / 上一个 were fallbacks: only the last item was kept."""
    _, first = say(api, "暂住证怎么办")
    session = first["session"]
    _, body = say(api, "社保卡怎么办", session)
    assert body["reply"]["cards"][0]["id"] == catalogue["card"].id
    _, body = say(api, "刚才那个呢", session)
    assert body["reply"]["cards"][0]["id"] == catalogue["permit"].id and "回到「居住证申领」" in body["reply"]["text"]
    _, body = say(api, "上一个要带什么", session)  # now the one before is 社会保障卡申领
    assert body["reply"]["cards"][0]["id"] == catalogue["card"].id
    _, body = say(api, "需要带什么", session)  # the item on the screen
    assert body["reply"]["cards"][0]["id"] == catalogue["card"].id
