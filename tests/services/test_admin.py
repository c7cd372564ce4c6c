"""Editors manage the catalogue in the admin: import, export that re-imports; clerks change the status
of their departments' applications there."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.connectors.models import Notification
from services import actions, search
from services.models import Application, ServiceItem

pytestmark = pytest.mark.django_db


# The change form with its event timeline left as it is (an empty inline formset).
NO_EVENTS = {"events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0, "events-MIN_NUM_FORMS": 0,
             "events-MAX_NUM_FORMS": 1000}


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def test_an_editor_imports_a_file_in_the_admin_and_search_sees_it(editor_client,
                                                                  django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("items.csv", "事项名称,办理部门\n犬只登记,区公安分局\n,区公安分局\n".encode(),
                                content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post("/admin/services/serviceitem/import/", {"file": upload}, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "新增 1" in text and "跳过 第 3 行" in text
    assert search.search("犬只登记")[0].name == "犬只登记"


def test_an_import_in_the_admin_says_what_it_ignored_as_the_command_does(editor_client):
    upload = SimpleUploadedFile("items.csv", "事项名称,办理部门,主题\n犬只登记,区公安分局,养宠物\n".encode(),
                                content_type="text/csv")
    text = editor_client.post("/admin/services/serviceitem/import/", {"file": upload}, follow=True).content.decode()
    assert "新增 1" in text
    assert "第 2 行" in text and "未知主题“养宠物”已忽略" in text


def test_a_malformed_upload_writes_nothing_and_says_why(editor_client):
    upload = SimpleUploadedFile("items.json", b"[{", content_type="application/json")
    response = editor_client.post("/admin/services/serviceitem/import/", {"file": upload})
    assert "没有导入任何内容" in response.content.decode()
    assert ServiceItem.objects.count() == 0


def test_export_as_csv_re_imports_unchanged(editor_client, make_item, licence_types, tmp_path):
    item = make_item("结婚登记", department="区婚姻登记中心", aliases=["领证"], promised_limit_days=0,
                     materials=[{"name": "居民身份证", "licence_type": licence_types["id_card"]}])
    response = editor_client.post("/admin/services/serviceitem/", {
        "action": "export_csv", "_selected_action": [item.pk]})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    content = response.content
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0]["name"] == "结婚登记" and rows[0]["aliases"] == "领证"
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    from services.catalogue_rows import read_file

    report = actions.catalogue_import(rows=read_file(path))
    assert (report.created, report.updated, report.unchanged, report.skipped) == (0, 0, 1, [])


def test_export_as_xlsx_and_json(editor_client, make_item):
    item = make_item("公章刻制备案")
    xlsx = editor_client.post("/admin/services/serviceitem/", {"action": "export_xlsx", "_selected_action": [item.pk]})
    assert xlsx.content[:2] == b"PK"
    as_json = editor_client.post("/admin/services/serviceitem/", {"action": "export_json",
                                                                  "_selected_action": [item.pk]})
    assert as_json.json()["items"][0]["name"] == "公章刻制备案"


def test_a_clerk_changes_an_application_status_in_the_admin(clerk_client, make_item, resident):
    item = make_item("居住证签注", promised_limit_days=5, online=True)
    application = actions.application_submit(user=resident, item_id=item.id)
    url = f"/admin/services/application/{application.pk}/change/"
    assert clerk_client.get(url).status_code == 200
    response = clerk_client.post(url, {"new_status": "accepted", "status_note": "材料齐全",
                                        "events-TOTAL_FORMS": 1, "events-INITIAL_FORMS": 1,
                                        "events-MIN_NUM_FORMS": 0, "events-MAX_NUM_FORMS": 1000,
                                        "events-0-id": application.events.get().pk,
                                        "events-0-application": application.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    application.refresh_from_db()
    assert application.status == "accepted" and application.expected_completion is not None
    assert Notification.objects.filter(user=resident, template="application.accepted").exists()
    # A change the timeline does not allow is refused by the form.
    refused = clerk_client.post(url, {"new_status": "submitted", **NO_EVENTS})
    assert refused.status_code == 200 and "不能变更为" in refused.content.decode()
    assert Application.objects.get(pk=application.pk).status == "accepted"


def test_the_admin_form_asks_to_accept_before_review_after_early_needs_more(clerk_client, make_item, resident):
    item = make_item("居住证签注", promised_limit_days=5, online=True)
    application = actions.application_submit(user=resident, item_id=item.id)
    actions.application_status_change(application_id=application.id, status="needs_more", note="缺租赁合同")
    url = f"/admin/services/application/{application.pk}/change/"
    refused = clerk_client.post(url, {"new_status": "reviewing", **NO_EVENTS})
    assert refused.status_code == 200 and "请先受理" in refused.content.decode()
    assert Application.objects.get(pk=application.pk).status == "needs_more"


def test_a_status_change_in_the_admin_before_the_submission_time_is_refused_by_the_form(clerk_client, make_item,
                                                                                       resident):
    item = make_item("居住证签注", promised_limit_days=5, online=True)
    # Submitted through a server whose clock runs ahead of this one.
    application = actions.application_submit(user=resident, item_id=item.id,
                                             submitted_at=timezone.now() + dt.timedelta(minutes=2))
    url = f"/admin/services/application/{application.pk}/change/"
    refused = clerk_client.post(url, {"new_status": "accepted", **NO_EVENTS})
    assert refused.status_code == 200 and "早于办件的提交时间" in refused.content.decode()  # was a 500
    application.refresh_from_db()
    assert (application.status, application.accepted_at) == ("submitted", None)
    assert application.events.count() == 1


def test_a_status_change_the_action_refuses_shows_only_the_error_and_keeps_the_form(clerk_client, make_item,
                                                                                     resident):
    """The admin showed its "changed successfully" message next to the action's error."""
    item = make_item("居住证签注", promised_limit_days=5, online=True)
    application = actions.application_submit(user=resident, item_id=item.id,
                                             submitted_at=timezone.now() - dt.timedelta(hours=1))
    # Accepted through a server whose clock runs ahead of this one: only the action (under the row
    # lock) sees that a completion now would be dated before it.
    actions.application_status_change(application_id=application.id, status="accepted",
                                      at=timezone.now() + dt.timedelta(minutes=5))
    url = f"/admin/services/application/{application.pk}/change/"
    refused = clerk_client.post(url, {"new_status": "completed", "status_note": "已出证", **NO_EVENTS})
    assert refused.status_code == 200, refused.get("Location")
    page = refused.content.decode()
    assert "办件进度不能倒退" in page
    assert "成功修改" not in page and "changed successfully" not in page
    assert [m.level_tag for m in refused.context["messages"]] == []
    assert '<option value="completed" selected>' in page and "已出证" in page  # what the clerk chose and wrote
    application.refresh_from_db()
    assert (application.status, application.completed_at) == ("accepted", None)
    assert list(application.events.values_list("status", flat=True)) == ["submitted", "accepted"]
    assert not Notification.objects.filter(template="application.completed").exists()
    assert not LogEntry.objects.filter(object_id=str(application.pk)).exists()  # no change logged


def test_a_note_without_a_status_change_is_not_dropped_silently(clerk_client, make_item, resident):
    item = make_item("居住证签注", promised_limit_days=5, online=True)
    application = actions.application_submit(user=resident, item_id=item.id)
    url = f"/admin/services/application/{application.pk}/change/"
    response = clerk_client.post(url, {"new_status": "", "status_note": "已电话联系申请人", **NO_EVENTS})
    assert response.status_code == 200 and "请同时选择要变更的状态" in response.content.decode()
    assert application.events.count() == 1


ITEM_FORM = {"category": "公共服务", "audience": "个人", "aliases": "[]", "keywords": "[]", "steps": "[]", "faq": "[]",
             "fee": "不收费", "is_active": "on", "materials-TOTAL_FORMS": "0", "materials-INITIAL_FORMS": "0",
             "materials-MIN_NUM_FORMS": "0", "materials-MAX_NUM_FORMS": "1000"}


@pytest.mark.parametrize(("fields", "sentence"), [
    ({"legal_limit_days": "10", "promised_limit_days": "30"}, "承诺办结时限不能超过法定办结时限"),
    ({"online_url": "https://zwdt.example.gov.cn/x"}, "填写网办地址时请勾选“可网上办理”"),
    ({"visits_required": "20"}, "到现场次数应在 0–10 之间"),
    ({"visits_required": "0"}, "到现场次数为 0（全程网办）的事项须可网上办理"),
    ({"materials-TOTAL_FORMS": "1", "materials-0-name": "户口簿", "materials-0-requirement": "conditional",
      "materials-0-form": "original", "materials-0-copies": "1", "materials-0-position": "1"}, "请写明提供情形"),
], ids=["promised-over-legal", "url-but-not-online", "visits", "fully-online-but-not-online",
        "conditional-material-without-when"])
def test_an_item_the_database_would_refuse_is_explained_to_the_editor_in_words(editor_client, department, fields,
                                                                              sentence):
    response = editor_client.post("/admin/services/serviceitem/add/",
                                  {**ITEM_FORM, "name": "犬只登记", "department": department.pk, **fields})
    text = response.content.decode()
    assert response.status_code == 200 and sentence in text
    assert "约束" not in text  # was 约束 “item_promised_within_legal_limit” 是无效的
    assert not ServiceItem.objects.exists()


def test_a_fully_online_item_not_marked_online_is_refused_beside_the_online_box_once(editor_client, department):
    response = editor_client.post("/admin/services/serviceitem/add/", {**ITEM_FORM, "name": "犬只登记",
                                                                       "department": department.pk,
                                                                       "visits_required": "0"})
    text = response.content.decode()
    assert response.status_code == 200 and text.count("到现场次数为 0（全程网办）的事项须可网上办理") == 1
    assert response.context["adminform"].form.errors["online"]
    assert not ServiceItem.objects.exists()
    ticked = editor_client.post("/admin/services/serviceitem/add/", {**ITEM_FORM, "name": "犬只登记",
                                                                     "department": department.pk,
                                                                     "visits_required": "0", "online": "on"})
    assert ticked.status_code == 302
    assert ServiceItem.objects.values_list("visits_required", "online").get() == (0, True)


def test_the_database_refuses_a_fully_online_item_that_is_not_online(department):
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceItem.objects.create(name="犬只登记", department=department, visits_required=0, online=False)
    ServiceItem.objects.create(name="犬只登记", department=department, visits_required=1, online=False)


def test_the_overdue_filter_and_changelists_render(client, editor, clerk, make_item, resident):
    item = make_item("居住证签注", online=True)
    actions.application_submit(user=resident, item_id=item.id)
    client.force_login(editor)
    for url in ("/admin/services/serviceitem/", "/admin/services/serviceitem/import/"):
        assert client.get(url).status_code == 200, url
    client.force_login(clerk)
    for url in ("/admin/services/application/", "/admin/services/application/?overdue=yes"):
        assert client.get(url).status_code == 200, url

