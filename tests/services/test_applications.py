"""办件进度: submit, follow one's own applications, staff move them along, residents are notified."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from portal.connectors.models import Notification
from portal.core.errors import PortalError
from services import actions, queries
from services.models import Application

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
APPLICATIONS = "/api/v1/services/applications/"
STAFF = "/api/v1/services/staff/applications/"


@pytest.fixture
def item(make_item):
    return make_item("居住证签注", promised_limit_days=5, legal_limit_days=15, visits_required=0, online=True)


@pytest.fixture
def items_like(make_item):
    """Items like ``item``: one resident has one open application per item (several in one test
    need several items)."""
    def make(count: int) -> list:
        return [make_item(f"居住证签注（{n}）", promised_limit_days=5, legal_limit_days=15, visits_required=0,
                          online=True) for n in range(1, count + 1)]

    return make


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def test_a_realname_resident_submits_and_gets_a_receipt_number_and_a_first_event(api, item, resident,
                                                                                  django_capture_on_commit_callbacks):
    api.force_authenticate(resident)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(APPLICATIONS, {"item": item.id}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 201
    body = response.json()
    assert body["receipt_number"].startswith("PD") and body["status"] == "submitted"
    assert [e["status"] for e in body["events"]] == ["submitted"]
    assert body["item"] == {"id": item.id, "name": "居住证签注", "department": "区公安分局"}
    assert Notification.objects.filter(user=resident, template="application.submitted").count() == 1
    again = api.post(APPLICATIONS, {"item": item.id}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.json()["receipt_number"] == body["receipt_number"]
    assert Application.objects.count() == 1


def test_submitting_the_same_item_again_while_it_is_open_is_a_409_naming_the_first_receipt_number(
        api, item, resident, clerk):
    api.force_authenticate(resident)
    first = api.post(APPLICATIONS, {"item": item.id}, format="json")  # no Idempotency-Key: a second tap
    assert first.status_code == 201
    number = first.json()["receipt_number"]
    again = api.post(APPLICATIONS, {"item": item.id, "channel": "wechat_mini"}, format="json")
    assert again.status_code == 409, again.content  # was a second application, 201
    error = again.json()["error"]
    assert (error["code"], error["receipt_number"], error["status"]) == ("already_applied", number, "submitted")
    assert number in error["message"] and "不用重复申请" in error["message"]
    english = api.post(APPLICATIONS, {"item": item.id}, format="json", HTTP_ACCEPT_LANGUAGE="en").json()["error"]
    assert number in english["message"] and "already" in english["message"]
    assert Application.objects.filter(user=resident, item=item).count() == 1
    # Refused (or finished), it may be applied for again.
    actions.application_status_change(application_id=first.json()["id"], status="rejected", note="材料不全",
                                      actor=clerk)
    assert api.post(APPLICATIONS, {"item": item.id}, format="json").status_code == 201


def test_a_clerk_cannot_register_at_the_counter_what_the_resident_has_open_online(api, item, resident, clerk):
    online = actions.application_submit(user=resident, item_id=item.id)
    api.force_authenticate(clerk)
    response = api.post(STAFF, {"item": item.id, "id_number": resident.id_number}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["receipt_number"] == online.receipt_number
    assert Application.objects.count() == 1


def test_the_database_keeps_one_open_application_per_resident_and_item_whatever_the_code_checks(item, resident):
    """The action checks nothing before its insert: two taps racing each other meet here."""
    from django.db import IntegrityError, transaction

    first = actions.application_submit(user=resident, item_id=item.id)
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(receipt_number="PD20261125000001", user=resident, item=item,
                                   submitted_at=first.submitted_at, status="accepted")
    Application.objects.create(receipt_number="PD20261125000002", user=resident, item=item,
                               submitted_at=first.submitted_at, status="completed", completed_at=first.submitted_at)


def test_submitting_needs_realname_binding_and_an_existing_item(api, item, unverified_resident, resident):
    api.force_authenticate(unverified_resident)
    refused = api.post(APPLICATIONS, {"item": item.id}, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "realname_required"
    api.force_authenticate(resident)
    missing = api.post(APPLICATIONS, {"item": 987654}, format="json")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "item_not_found"
    bad = api.post(APPLICATIONS, {"item": "abc"}, format="json")
    assert bad.status_code == 400 and "item" in bad.json()["error"]["fields"]


def test_a_resident_sees_only_their_own_applications_and_anothers_receipt_is_not_found(api, item, resident,
                                                                                       other_resident):
    mine = actions.application_submit(user=resident, item_id=item.id)
    theirs = actions.application_submit(user=other_resident, item_id=item.id)
    api.force_authenticate(resident)
    listed = api.get(APPLICATIONS).json()
    assert [a["receipt_number"] for a in listed["results"]] == [mine.receipt_number]
    assert api.get(f"{APPLICATIONS}{mine.receipt_number}/").status_code == 200
    response = api.get(f"{APPLICATIONS}{theirs.receipt_number}/")
    assert response.status_code == 404  # not 403: a receipt number must not reveal that it exists
    assert response.json()["error"]["code"] == "application_not_found"
    assert api.get(f"{APPLICATIONS}PD000000000000/").status_code == 404


def test_a_mistyped_receipt_number_gets_a_sentence_that_helps_without_revealing_others(api, item, resident,
                                                                                       other_resident):
    mine = actions.application_submit(user=resident, item_id=item.id)
    theirs = actions.application_submit(user=other_resident, item_id=item.id)
    api.force_authenticate(resident)
    number = mine.receipt_number
    # Written with hyphens or in lower case, it is still the resident's own number.
    spaced = f"{number[:2]}-{number[2:10]}-{number[10:]}".lower()
    assert api.get(f"{APPLICATIONS}{spaced}/").json()["receipt_number"] == number
    # Typed with the phone's full-width keyboard, or with spaces: was the generic 没有找到您要的内容.
    full_width = number.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})  # ＰＤ２０…
    for typed in (full_width, f"{number[:2]} {number[2:10]} {number[10:]}"):
        assert api.get(f"{APPLICATIONS}{quote(typed)}/").json()["receipt_number"] == number
    # Dashes from a phone's smart punctuation, dots, middle dots and underscores, which the chat forgave:
    # the API answered the generic 没有找到您要的内容 (– —) or that the number had the wrong shape (_ · .).
    for gap in ("–", "—", "·", ".", "_"):
        typed = f"{number[:2]}{gap}{number[2:10]}{gap}{number[10:]}"
        found = api.get(f"{APPLICATIONS}{quote(typed)}/")
        assert found.status_code == 200 and found.json()["receipt_number"] == number, (gap, found.json())
    # The wrong shape: the sentence says what a receipt number looks like.
    short = api.get(f"{APPLICATIONS}{number[:-1]}/").json()["error"]
    assert short["code"] == "application_not_found" and "14 位数字" in short["message"]
    # One digit wrong: the resident's own closest number is offered, nobody else's.
    typo = number[:-1] + ("1" if number[-1] != "1" else "2")
    close = api.get(f"{APPLICATIONS}{typo}/").json()["error"]
    assert close["code"] == "application_not_found" and close["suggestions"] == [number]
    assert number in close["message"]
    near_theirs = theirs.receipt_number[:-1] + ("1" if theirs.receipt_number[-1] != "1" else "2")
    if near_theirs != number:
        assert theirs.receipt_number not in json.dumps(api.get(f"{APPLICATIONS}{near_theirs}/").json())
    english = api.get(f"{APPLICATIONS}{number[:-1]}/", HTTP_ACCEPT_LANGUAGE="en").json()["error"]
    assert "14 digits" in english["message"]


def test_applications_need_a_login(api):
    response = api.get(APPLICATIONS)
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"


def test_acceptance_sets_the_due_date_in_working_days_across_the_national_day(item, resident, clerk):
    application = actions.application_submit(user=resident, item_id=item.id, submitted_at=at(dt.date(2026, 9, 28)))
    accepted = actions.application_status_change(application_id=application.id, status="accepted", actor=clerk,
                                                 at=at(dt.date(2026, 9, 29)))
    # 5 working days after Tue 29 Sep: 30 Sep, 8, 9, 10 (make-up Saturday), 12 Oct.
    assert accepted.expected_completion == dt.date(2026, 10, 12)
    assert accepted.expected_is_estimate is False


def test_a_due_date_in_a_year_without_a_published_calendar_is_marked_as_an_estimate(item, resident, clerk):
    application = actions.application_submit(user=resident, item_id=item.id, submitted_at=at(dt.date(2026, 12, 28)))
    accepted = actions.application_status_change(application_id=application.id, status="accepted", actor=clerk,
                                                 at=at(dt.date(2026, 12, 29)))
    assert accepted.expected_completion == dt.date(2027, 1, 5)  # Mon–Fri fallback for 2027
    assert accepted.expected_is_estimate is True


def _accepted_2_nov_paused(item, resident, clerk, paused: dt.date) -> Application:
    """Accepted Mon 2 Nov 2026 (5 working days: due Mon 9 Nov), asked for more documents on ``paused``."""
    application = actions.application_submit(user=resident, item_id=item.id, submitted_at=at(dt.date(2026, 11, 2)))
    actions.application_status_change(application_id=application.id, status="accepted", actor=clerk,
                                      at=at(dt.date(2026, 11, 2)))
    return actions.application_status_change(application_id=application.id, status="needs_more", note="缺租赁合同",
                                             actor=clerk, at=at(paused))


def test_needs_more_stops_the_clock_and_resuming_moves_the_due_date(item, resident, clerk):
    application = _accepted_2_nov_paused(item, resident, clerk, dt.date(2026, 11, 4))
    resumed = actions.application_status_change(application_id=application.id, status="reviewing", actor=clerk,
                                                 at=at(dt.date(2026, 11, 6)))
    assert resumed.expected_completion == dt.date(2026, 11, 11)  # two working days waited (5, 6 Nov)
    assert resumed.paused_on is None


def test_each_status_change_queues_a_notification_after_commit(item, resident, clerk,
                                                               django_capture_on_commit_callbacks):
    application = actions.application_submit(user=resident, item_id=item.id)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.application_status_change(application_id=application.id, status="accepted", actor=clerk)
    note = Notification.objects.get(user=resident, template="application.accepted")
    assert note.status == Notification.Status.PENDING and len(callbacks) >= 1  # delivery waits for the commit
    for callback in callbacks:
        callback()
    note.refresh_from_db()
    assert note.status == Notification.Status.SENT
    assert application.receipt_number in note.body


def test_the_acceptance_notice_reads_well_with_or_without_a_time_limit(make_item, resident, clerk):
    timed = make_item("居住证签注", promised_limit_days=5, online=True)
    untimed = make_item("档案查询", online=True)  # no promised or legal limit in the catalogue
    for item in (timed, untimed):
        application = actions.application_submit(user=resident, item_id=item.id, submitted_at=at(dt.date(2026, 11, 2)))
        actions.application_status_change(application_id=application.id, status="accepted", actor=clerk,
                                          at=at(dt.date(2026, 11, 2)))
    bodies = list(Notification.objects.filter(template="application.accepted").values_list("body", flat=True))
    assert any(body.endswith("已受理，预计 2026-11-09 前办结。") for body in bodies), bodies
    assert any(body.endswith("已受理。") for body in bodies), bodies  # was 预计 承诺时限内 前办结


def test_a_transition_the_timeline_does_not_allow_is_a_409(api, item, resident, clerk):
    application = actions.application_submit(user=resident, item_id=item.id)
    actions.application_status_change(application_id=application.id, status="rejected", note="材料不全", actor=clerk)
    api.force_authenticate(clerk)
    response = api.post(f"{STAFF}{application.id}/status/", {"status": "completed"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "status_change_not_allowed"


def test_needs_more_without_a_reason_is_refused(api, item, resident, clerk):
    application = actions.application_submit(user=resident, item_id=item.id)
    api.force_authenticate(clerk)
    response = api.post(f"{STAFF}{application.id}/status/", {"status": "needs_more"}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "note_required"


def test_a_missing_reason_is_explained_in_english_when_asked(api, item, resident, clerk):
    application = actions.application_submit(user=resident, item_id=item.id)
    api.force_authenticate(clerk)
    response = api.post(f"{STAFF}{application.id}/status/", {"status": "rejected"}, format="json",
                        HTTP_ACCEPT_LANGUAGE="en")
    error = response.json()["error"]
    assert error["message"].startswith("Please give a reason")
    assert error["fields"] == {"note": ["Please give a reason."]}  # was 必填 in every language


def test_a_status_change_dated_before_the_submission_is_a_409_in_words_and_writes_nothing(
        api, item, resident, clerk, django_capture_on_commit_callbacks):
    # The server that took the submission ran two minutes ahead of the one the clerk's change reaches.
    ahead = timezone.now() + dt.timedelta(minutes=2)
    application = actions.application_submit(user=resident, item_id=item.id, submitted_at=ahead)
    api.force_authenticate(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{STAFF}{application.id}/status/", {"status": "accepted"}, format="json")
    assert response.status_code == 409, response.content  # was a 500 (application_accepted_after_submitted)
    error = response.json()["error"]
    assert error["code"] == "status_time_before_submission"
    assert "早于办件的提交时间" in error["message"] and "请核对时间" in error["message"]
    assert error["submitted_at"] == timezone.localtime(ahead).isoformat()
    application.refresh_from_db()
    assert (application.status, application.accepted_at, application.expected_completion) == ("submitted", None, None)
    assert application.events.count() == 1
    assert not Notification.objects.filter(template="application.accepted").exists()
    english = api.post(f"{STAFF}{application.id}/status/", {"status": "accepted"}, format="json",
                       HTTP_ACCEPT_LANGUAGE="en").json()["error"]
    assert "earlier than the application's submission" in english["message"]


@pytest.mark.parametrize("status", ["accepted", "rejected", "needs_more"])
def test_a_status_change_given_a_time_before_the_submission_is_refused_for_every_status(item, resident, clerk,
                                                                                        status):
    application = actions.application_submit(user=resident, item_id=item.id, submitted_at=at(dt.date(2026, 11, 2)))
    with pytest.raises(PortalError) as refused:
        # 不予受理 and 需补件 have no database check at all: they were stored dated before the submission.
        actions.application_status_change(application_id=application.id, status=status, note="材料不全",
                                          actor=clerk, at=at(dt.date(2026, 11, 2), hour=9))
    assert refused.value.code == "status_time_before_submission" and refused.value.status_code == 409
    application.refresh_from_db()
    assert (application.status, application.completed_at, application.paused_on) == ("submitted", None, None)
    assert application.events.count() == 1
    # The same moment as the submission is not before it.
    same = actions.application_status_change(application_id=application.id, status=status, note="材料不全",
                                             actor=clerk, at=application.submitted_at)
    assert same.status == status


def test_a_status_change_dated_before_the_latest_event_is_a_409_in_words_and_writes_nothing(
        api, item, resident, clerk, django_capture_on_commit_callbacks):
    """Only the submission time was checked: an 已办结 could be dated before the 已受理 before it."""
    application = actions.application_submit(user=resident, item_id=item.id,
                                             submitted_at=timezone.now() - dt.timedelta(hours=1))
    # The acceptance was recorded by a server whose clock ran five minutes ahead of this one.
    ahead = timezone.now() + dt.timedelta(minutes=5)
    actions.application_status_change(application_id=application.id, status="accepted", actor=clerk, at=ahead)
    api.force_authenticate(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{STAFF}{application.id}/status/", {"status": "completed"}, format="json")
    assert response.status_code == 409, response.content
    assert set(response.json()) == {"error"}
    error = response.json()["error"]
    assert error["code"] == "status_time_before_latest_event"
    assert f"{timezone.localtime(ahead):%Y-%m-%d %H:%M:%S}" in error["message"]  # both times in the sentence
    assert "变更时间（" in error["message"] and "已受理" in error["message"] and "请核对时间" in error["message"]
    assert error["latest_event_at"] == timezone.localtime(ahead).isoformat()
    assert error["latest_event_status"] == "accepted"
    application.refresh_from_db()
    assert (application.status, application.completed_at) == ("accepted", None)
    assert list(application.events.values_list("status", flat=True)) == ["submitted", "accepted"]
    assert not Notification.objects.filter(template="application.completed").exists()
    english = api.post(f"{STAFF}{application.id}/status/", {"status": "completed"}, format="json",
                       HTTP_ACCEPT_LANGUAGE="en").json()["error"]
    assert "earlier than the application's latest step" in english["message"] and "Accepted" in english["message"]


def test_a_completion_given_a_time_between_the_submission_and_the_acceptance_is_refused(item, resident, clerk):
    application = actions.application_submit(user=resident, item_id=item.id, submitted_at=at(dt.date(2026, 11, 2)))
    actions.application_status_change(application_id=application.id, status="accepted", actor=clerk,
                                      at=at(dt.date(2026, 11, 3)))
    with pytest.raises(PortalError) as refused:
        actions.application_status_change(application_id=application.id, status="completed", actor=clerk,
                                          at=at(dt.date(2026, 11, 2), hour=15))
    assert refused.value.code == "status_time_before_latest_event" and refused.value.status_code == 409
    application.refresh_from_db()
    assert (application.status, application.completed_at) == ("accepted", None)
    assert application.events.count() == 2
    # The same moment as the latest event is not before it.
    same = actions.application_status_change(application_id=application.id, status="completed", actor=clerk,
                                             at=at(dt.date(2026, 11, 3)))
    assert same.status == "completed" and same.completed_at == at(dt.date(2026, 11, 3))


def test_the_database_refuses_a_completion_before_the_submission(item, resident):
    from django.db import IntegrityError, transaction

    application = actions.application_submit(user=resident, item_id=item.id, submitted_at=at(dt.date(2026, 11, 2)))
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=application.pk).update(status="completed",
                                                             completed_at=at(dt.date(2026, 11, 1)))


def test_migration_0009_stops_naming_the_applications_completed_before_their_submission(item, resident):
    """Like 0006, it does not guess which time is right: it names the rows for staff to correct."""
    import importlib

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("services.migrations.0009_application_completed_after_submitted")
    good = actions.application_submit(user=resident, item_id=item.id, submitted_at=at(dt.date(2026, 11, 2)))
    migration.refuse_completions_before_submission(apps, None)  # nothing wrong: nothing said
    with connection.cursor() as cursor:  # rows from before the constraint (rolled back with the test)
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = ON")
        else:  # the insert's deferred foreign-key checks first: PostgreSQL alters no table with them pending
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute('ALTER TABLE services_application DROP CONSTRAINT "application_completed_after_submitted"')
    try:
        Application.objects.filter(pk=good.pk).update(status="completed", completed_at=at(dt.date(2026, 11, 1)))
    finally:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
    with pytest.raises(RuntimeError) as stopped:
        migration.refuse_completions_before_submission(apps, None)
    assert good.receipt_number in str(stopped.value) and "completed_at" in str(stopped.value)


def test_staff_endpoint_updates_status_and_lists_overdue_applications(api, item, items_like, resident, clerk):
    late = actions.application_submit(user=resident, item_id=item.id, submitted_at=at(dt.date(2026, 1, 5)))
    actions.application_status_change(application_id=late.id, status="accepted", actor=clerk,
                                      at=at(dt.date(2026, 1, 5)))
    [other] = items_like(1)
    fresh = actions.application_submit(user=resident, item_id=other.id)
    api.force_authenticate(clerk)
    response = api.post(f"{STAFF}{fresh.id}/status/", {"status": "accepted", "note": "材料齐全"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "accepted" and response.json()["overdue"] is False
    overdue = api.get(STAFF, {"overdue": "true"}).json()["results"]
    assert [a["receipt_number"] for a in overdue] == [late.receipt_number]
    assert overdue[0]["overdue"] is True and overdue[0]["applicant"]["id_number"].startswith("3101")
    assert queries.applications_overdue().count() == 1
    actions.application_status_change(application_id=late.id, status="completed", actor=clerk)
    assert queries.applications_overdue().count() == 0  # a finished application is never overdue


def test_the_staff_list_puts_the_nearest_due_date_first_and_not_yet_accepted_ones_last(api, items_like, resident,
                                                                                         clerk):
    first, second, third = items_like(3)
    waiting = actions.application_submit(user=resident, item_id=first.id)  # no due date until accepted
    later = actions.application_submit(user=resident, item_id=second.id, submitted_at=at(dt.date(2026, 11, 2)))
    actions.application_status_change(application_id=later.id, status="accepted", actor=clerk,
                                      at=at(dt.date(2026, 11, 20)))
    sooner = actions.application_submit(user=resident, item_id=third.id, submitted_at=at(dt.date(2026, 11, 2)))
    actions.application_status_change(application_id=sooner.id, status="accepted", actor=clerk,
                                      at=at(dt.date(2026, 11, 10)))
    api.force_authenticate(clerk)
    listed = [a["id"] for a in api.get(STAFF).json()["results"]]
    assert listed == [sooner.id, later.id, waiting.id]  # the same on SQLite and PostgreSQL


def test_a_clerk_finds_an_application_by_its_receipt_number_as_typed_at_the_counter(api, item, resident,
                                                                                    other_resident, clerk):
    """The staff list had no lookup by receipt number: a clerk paged through every application."""
    wanted = actions.application_submit(user=resident, item_id=item.id)
    actions.application_submit(user=other_resident, item_id=item.id)
    api.force_authenticate(clerk)
    number = wanted.receipt_number
    for typed in (number, number.lower(), f"{number[:2]} {number[2:10]}-{number[10:]}", f"{number[:2]}–{number[2:]}",
                  f"{number[:2]}.{number[2:10]}_{number[10:]}"):
        assert [a["id"] for a in api.get(STAFF, {"receipt": typed}).json()["results"]] == [wanted.id], typed
    assert wanted.id in [a["id"] for a in api.get(STAFF, {"receipt": number[:-3]}).json()["results"]]  # its start
    assert api.get(STAFF, {"receipt": "PD99999999999999"}).json()["count"] == 0
    assert api.get(STAFF, {"receipt": "PD"}).status_code == 400
    # Only spaces and hyphens, or too little left without them: was a start every number has (all listed).
    for typed in ("-----", "－ － －", "P-D -", "pd 2"):
        refused = api.get(STAFF, {"receipt": typed})
        assert refused.status_code == 400, typed
        assert refused.json()["error"]["fields"]["receipt"] == ["请输入受理编号或它的开头至少 4 位（如 PD2026）。"]


def test_residents_and_other_staff_cannot_use_the_staff_endpoint(api, item, resident, venue_manager):
    application = actions.application_submit(user=resident, item_id=item.id)
    api.force_authenticate(resident)
    assert api.post(f"{STAFF}{application.id}/status/", {"status": "accepted"}, format="json").status_code == 403
    assert api.get(STAFF).status_code == 403
    api.force_authenticate(venue_manager)
    assert api.post(f"{STAFF}{application.id}/status/", {"status": "accepted"}, format="json").status_code == 403
    with pytest.raises(actions.StaffOnly):
        actions.application_status_change(application_id=application.id, status="accepted", actor=venue_manager)


def test_unknown_status_or_application_is_a_4xx(api, item, resident, clerk):
    application = actions.application_submit(user=resident, item_id=item.id)
    api.force_authenticate(clerk)
    assert api.post(f"{STAFF}{application.id}/status/", {"status": "done"}, format="json").status_code == 400
    missing = api.post(f"{STAFF}999999/status/", {"status": "accepted"}, format="json")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "application_not_found"
    assert "受理编号" not in missing.json()["error"]["message"]  # the clerk gave an id, not a receipt number
    assert api.get(STAFF, {"status": "nope"}).status_code == 400


def test_an_application_asked_for_more_before_acceptance_is_accepted_before_review(api, item, resident, clerk):
    application = actions.application_submit(user=resident, item_id=item.id, submitted_at=at(dt.date(2026, 11, 2)))
    actions.application_status_change(application_id=application.id, status="needs_more", note="缺租赁合同",
                                      actor=clerk, at=at(dt.date(2026, 11, 3)))
    api.force_authenticate(resident)
    shown = api.get(f"{APPLICATIONS}{application.receipt_number}/").json()
    assert shown["expected_completion"] is None and shown["clock_paused"] is True
    assert shown["expected_completion_note"] == "补齐材料、受理后按工作日计算预计办结日期。"  # no clock ran yet
    api.force_authenticate(clerk)
    # Straight to 审核中 would leave it without an acceptance date, a due date and so an overdue flag.
    response = api.post(f"{STAFF}{application.id}/status/", {"status": "reviewing"}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "status_change_not_allowed"
    assert "受理" in response.json()["error"]["message"]
    accepted = actions.application_status_change(application_id=application.id, status="accepted", actor=clerk,
                                                 at=at(dt.date(2026, 11, 5)))
    assert accepted.accepted_at is not None and accepted.expected_completion == dt.date(2026, 11, 12)
    actions.application_status_change(application_id=application.id, status="reviewing", actor=clerk)


def test_an_application_waiting_for_more_documents_is_not_overdue_while_its_clock_is_stopped(item, items_like,
                                                                                             resident, clerk):
    waiting = _accepted_2_nov_paused(item, resident, clerk, dt.date(2026, 11, 4))
    [other] = items_like(1)
    late = _accepted_2_nov_paused(other, resident, clerk, dt.date(2026, 11, 10))  # already late when paused
    later = dt.date(2026, 11, 30)
    assert queries.application_is_overdue(Application.objects.get(pk=waiting.pk), later) is False
    assert queries.application_is_overdue(Application.objects.get(pk=late.pk), later) is True
    assert list(queries.applications_overdue(later)) == [Application.objects.get(pk=late.pk)]
    assert [a.pk for a in queries.applications_for_staff(staff=clerk, overdue=False, today=later)] == [waiting.pk]


def test_statuses_read_in_english_and_the_residents_notice_stays_in_chinese(api, item, resident, clerk):
    """status_label was 已受理 under Accept-Language: en; a clerk working in English must not turn the
    resident's notification English."""
    from portal.connectors.models import Notification

    application = actions.application_submit(user=resident, item_id=item.id)
    api.force_authenticate(clerk)
    changed = api.post(f"{STAFF}{application.id}/status/", {"status": "accepted"}, format="json",
                       HTTP_ACCEPT_LANGUAGE="en").json()
    assert changed["status_label"] == "Accepted"
    api.force_authenticate(resident)
    mine = api.get("/api/v1/services/applications/", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert mine[0]["status_label"] == "Accepted"
    assert api.get("/api/v1/services/applications/").json()["results"][0]["status_label"] == "已受理"
    note = Notification.objects.filter(user=resident, template="application.accepted").get()
    assert note.title == "办件进度：已受理"


# --- counter-only items (the item's online flag is off) -------------------------------------------
@pytest.fixture
def counter_item(make_item):
    from services.models import ServiceLocation

    item = make_item("居民身份证丢失补领", promised_limit_days=7, legal_limit_days=20, visits_required=1,
                     online=False)
    hall = ServiceLocation.objects.create(name="花木社区事务受理服务中心", address="梅花路 1100 号",
                                          hours="周一至周五 8:30-17:00")
    item.locations.add(hall)
    return item


def test_a_resident_cannot_apply_online_for_an_item_handled_only_at_the_counter(api, counter_item, resident,
                                                                              django_capture_on_commit_callbacks):
    """A counter-only item (not online, one visit required) was accepted online: a receipt number for
    a matter the resident must in fact bring to a service hall."""
    api.force_authenticate(resident)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(APPLICATIONS, {"item": counter_item.id}, format="json", HTTP_IDEMPOTENCY_KEY="k-c")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "counter_only"
    assert "花木社区事务受理服务中心" in error["message"] and "梅花路 1100 号" in error["message"]
    assert [place["name"] for place in error["locations"]] == ["花木社区事务受理服务中心"]
    assert not Application.objects.exists() and not Notification.objects.exists()
    english = api.post(APPLICATIONS, {"item": counter_item.id}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert "cannot be applied for online" in english.json()["error"]["message"]


@pytest.fixture
def business_item(make_item):
    from services.models import ServiceLocation

    item = make_item("单位社会保险登记", department="区人社局", audience="法人", visits_required=0, online=True,
                     online_url="https://zwdt.example.gov.cn/insurance/employer-register", promised_limit_days=5)
    item.locations.add(ServiceLocation.objects.create(name="区行政服务中心", address="合欢路 201 号"))
    return item


def test_a_resident_cannot_apply_online_for_an_item_only_for_businesses_and_is_told_where_it_is_done(
        api, business_item, resident):
    api.force_authenticate(resident)
    response = api.post(APPLICATIONS, {"item": business_item.id}, format="json")
    assert response.status_code == 403, response.content  # was 201: a resident's account applied as a business
    error = response.json()["error"]
    assert error["code"] == "business_only"
    assert "面向企业和其他组织（法人）" in error["message"] and "个人账号不能在这里申请" in error["message"]
    assert business_item.online_url in error["message"] and "区行政服务中心（合欢路 201 号）" in error["message"]
    assert error["online_url"] == business_item.online_url and error["locations"][0]["name"] == "区行政服务中心"
    english = api.post(APPLICATIONS, {"item": business_item.id}, format="json",
                       HTTP_ACCEPT_LANGUAGE="en").json()["error"]
    assert "personal account cannot apply" in english["message"]
    assert not Application.objects.exists()
    guide = api.get(f"/api/v1/services/items/{business_item.id}/").json()
    assert guide["resident_can_apply_online"] is False and guide["online"] is True


def test_items_for_both_residents_and_businesses_stay_open_and_a_clerk_registers_a_business_item(
        api, make_item, business_item, resident, make_clerk):
    both = make_item("营业执照遗失补领", audience="个人和法人", online=True)
    api.force_authenticate(resident)
    assert api.post(APPLICATIONS, {"item": both.id}, format="json").status_code == 201
    assert api.get(f"/api/v1/services/items/{both.id}/").json()["resident_can_apply_online"] is True
    # At the window the clerk (of the item's department) checks the business's papers and its agent's ID card.
    api.force_authenticate(make_clerk("clerk-rs", "区人社局"))
    response = api.post(STAFF, {"item": business_item.id, "id_number": resident.id_number}, format="json")
    assert response.status_code == 201 and response.json()["channel"] == "counter"


def test_the_guide_says_an_item_for_businesses_is_not_applied_for_with_a_personal_account(business_item):
    item, on_file = queries.item_guide(item_id=business_item.id)
    text = queries.guide_answer(item, "locations", on_file)
    assert text.startswith("「单位社会保险登记」面向企业和其他组织（法人），个人账号不能在这里申请："
                           f"请单位经办人以法人身份在 {business_item.online_url} 网上办理。")
    assert "合欢路 201 号" in text


def test_a_counter_only_item_without_locations_points_to_its_department(api, make_item, resident):
    item = make_item("档案查询", department="区档案馆", online=False)
    item.department.phone = "021-50001234"
    item.department.save()
    api.force_authenticate(resident)
    error = api.post(APPLICATIONS, {"item": item.id}, format="json").json()["error"]
    assert error["code"] == "counter_only" and "区档案馆（021-50001234）" in error["message"]
    assert error["locations"] == [] and not Application.objects.exists()


def test_a_clerk_registers_a_counter_application_through_the_staff_api_by_the_residents_id_number(
        api, counter_item, resident, clerk, venue_manager, django_capture_on_commit_callbacks):
    """There was no way for a clerk to register an application at the window but the Python shell."""
    id_number = resident.id_number
    wide = id_number.translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})  # typed on a full-width keyboard
    api.force_authenticate(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(STAFF, {"item": counter_item.id, "id_number": wide}, format="json",
                            HTTP_IDEMPOTENCY_KEY="window-1")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["channel"] == "counter" and body["applicant"]["id"] == resident.id
    assert body["events"][0]["status"] == "submitted"
    assert Notification.objects.filter(user=resident, template="application.submitted").count() == 1
    again = api.post(STAFF, {"item": counter_item.id, "id_number": wide}, format="json",
                     HTTP_IDEMPOTENCY_KEY="window-1")
    assert again.json()["receipt_number"] == body["receipt_number"] and Application.objects.count() == 1
    # Refusals leave nothing behind.
    wrong_check_digit = id_number[:17] + ("0" if id_number[17] != "0" else "1")
    bad = api.post(STAFF, {"item": counter_item.id, "id_number": wrong_check_digit}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_id_number"
    from portal.accounts.idcard import make as make_id_number

    stranger = make_id_number("310115", dt.date(1970, 1, 1), 555)
    unknown = api.post(STAFF, {"item": counter_item.id, "id_number": stranger}, format="json")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "resident_not_found"
    missing = api.post(STAFF, {"item": 987654, "id_number": id_number}, format="json")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "item_not_found"
    for user in (resident, venue_manager):
        api.force_authenticate(user)
        assert api.post(STAFF, {"item": counter_item.id, "id_number": id_number}, format="json").status_code == 403
    assert Application.objects.count() == 1


def test_a_clerk_still_registers_a_counter_only_item_at_the_window(counter_item, resident, clerk, venue_manager):
    application = actions.application_submit(user=resident, item_id=counter_item.id, channel=actions.COUNTER,
                                             clerk=clerk)
    assert application.channel == "counter"
    assert application.events.get().actor == clerk
    with pytest.raises(actions.StaffOnly):
        actions.application_submit(user=resident, item_id=counter_item.id, channel=actions.COUNTER,
                                   clerk=venue_manager)
    assert Application.objects.count() == 1



# --- 需补件 stops the clock: the API shows no due date while it is stopped --------------------------
def test_while_documents_are_requested_the_api_shows_no_due_date_and_says_the_clock_is_paused(
        api, item, resident, clerk):
    """The API kept showing the due date from before 需补件 (9 Nov) although the clock had stopped."""
    application = _accepted_2_nov_paused(item, resident, clerk, dt.date(2026, 11, 4))
    api.force_authenticate(resident)
    shown = api.get(f"{APPLICATIONS}{application.receipt_number}/").json()
    assert shown["status"] == "needs_more"
    assert shown["expected_completion"] is None and shown["clock_paused"] is True
    assert "暂停" in shown["expected_completion_note"]
    assert api.get(APPLICATIONS).json()["results"][0]["expected_completion"] is None
    english = api.get(f"{APPLICATIONS}{application.receipt_number}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert "paused" in english["expected_completion_note"]
    api.force_authenticate(clerk)
    listed = api.get(STAFF, {"receipt": application.receipt_number}).json()["results"][0]
    assert listed["expected_completion"] is None and listed["clock_paused"] is True and listed["overdue"] is False


def test_accepted_again_after_the_documents_the_due_date_is_recounted_in_working_days_from_then(
        api, item, resident, clerk):
    application = _accepted_2_nov_paused(item, resident, clerk, dt.date(2026, 11, 4))  # 2 of 5 days used
    resumed = actions.application_status_change(application_id=application.id, status="accepted", actor=clerk,
                                                 at=at(dt.date(2026, 11, 13)))  # Friday
    api.force_authenticate(resident)
    shown = api.get(f"{APPLICATIONS}{resumed.receipt_number}/").json()
    # 3 working days left from Friday 13 Nov: 16, 17, 18 Nov.
    assert shown["expected_completion"] == "2026-11-18"
    assert shown["clock_paused"] is False and shown["expected_completion_note"] == ""



def test_resumed_on_a_saturday_when_the_last_day_was_used_the_due_date_is_the_next_working_day(item, items_like,
                                                                                           resident, clerk):
    """Paused on its due day and accepted again at a Saturday counter, it was due the Friday before:
    overdue the moment the resident brought the documents."""
    application = _accepted_2_nov_paused(item, resident, clerk, dt.date(2026, 11, 9))  # the due day itself
    resumed = actions.application_status_change(application_id=application.id, status="accepted", actor=clerk,
                                                 at=at(dt.date(2026, 11, 14)))  # Saturday
    assert resumed.expected_completion == dt.date(2026, 11, 16)
    assert queries.application_is_overdue(resumed, dt.date(2026, 11, 14)) is False
    [other] = items_like(1)
    late = _accepted_2_nov_paused(other, resident, clerk, dt.date(2026, 11, 10))  # already a day late
    resumed_late = actions.application_status_change(application_id=late.id, status="reviewing", actor=clerk,
                                                      at=at(dt.date(2026, 11, 12)))
    assert resumed_late.expected_completion == dt.date(2026, 11, 11)  # late it was, late it stays
    assert queries.application_is_overdue(resumed_late, dt.date(2026, 11, 12)) is True


# --- 2027: chinesecalendar 1.11.0 has no holidays for it yet ---------------------------------------
def test_a_due_date_running_into_2027_is_given_as_an_estimate_everywhere_a_resident_reads_it(
        api, make_item, resident, clerk, django_capture_on_commit_callbacks):
    """The flag was there but nothing a resident reads said so: the API gave no sentence, the
    notification and the chat said 预计 2027-01-… 前办结 as if the 2027 holidays were known."""
    import time_machine

    long = make_item("建设工程规划许可", promised_limit_days=20, legal_limit_days=20, online=True)
    with time_machine.travel(at(dt.date(2026, 12, 14)), tick=True):
        api.force_authenticate(resident)
        application = Application.objects.get(
            receipt_number=api.post(APPLICATIONS, {"item": long.id}, format="json").json()["receipt_number"])
        api.force_authenticate(clerk)
        with django_capture_on_commit_callbacks(execute=True):
            changed = api.post(f"{STAFF}{application.id}/status/", {"status": "accepted"}, format="json")
    assert changed.status_code == 200  # a limit running into 2027 does not crash
    api.force_authenticate(resident)
    shown = api.get(f"{APPLICATIONS}{application.receipt_number}/").json()
    assert shown["expected_completion"].startswith("2027-") and shown["expected_is_estimate"] is True
    assert "2027 年的法定节假日安排尚未公布" in shown["expected_completion_note"]
    english = api.get(f"{APPLICATIONS}{application.receipt_number}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert "2027 are not published" in english["expected_completion_note"]
    notice = Notification.objects.get(user=resident, template="application.accepted").body
    assert "估算" in notice and shown["expected_completion"] in notice


def test_the_application_lists_read_one_page_not_every_application(api, items_like, resident, clerk):
    """Both lists turned the whole queryset into a list before paginating: every application in the
    district (with its timeline) read for each page a clerk opened."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for item in items_like(3):
        actions.application_submit(user=resident, item_id=item.id)
    for user, url in ((clerk, STAFF), (resident, APPLICATIONS)):
        api.force_authenticate(user)
        with CaptureQueriesContext(connection) as queries_run:
            page = api.get(url, {"page_size": 2, "page": 2}).json()
        assert page["count"] == 3 and len(page["results"]) == 1
        reads = [q["sql"] for q in queries_run if 'FROM "services_application"' in q["sql"]
                 and "COUNT(" not in q["sql"]]
        assert reads and all("LIMIT" in sql for sql in reads), reads


def test_the_schema_documents_the_paused_clock_the_estimate_note_and_the_counter_only_refusal(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    fields = schema["components"]["schemas"]["Application"]["properties"]
    assert fields["expected_completion"]["nullable"] is True and "clock_paused" in fields["expected_completion"][
        "description"]
    assert {"clock_paused", "expected_completion_note", "expected_is_estimate"} <= set(fields)
    assert "counter_only" in schema["paths"][APPLICATIONS]["post"]["description"]
