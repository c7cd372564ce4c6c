"""Least privilege over residents' applications: catalogue editors do not process them; a service
clerk (受理人员) sees and acts only on the applications of their departments' items; a platform admin
on every one."""

from __future__ import annotations

import pytest

from portal.connectors.models import Notification
from services import actions, queries
from services.models import Application, ApplicationEvent

pytestmark = pytest.mark.django_db
STAFF = "/api/v1/services/staff/applications/"
NO_EVENTS = {"events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0, "events-MIN_NUM_FORMS": 0,
             "events-MAX_NUM_FORMS": 1000}


@pytest.fixture
def police_item(make_item):
    return make_item("居住证签注", department="区公安分局", promised_limit_days=5, online=True)


@pytest.fixture
def labour_item(make_item):
    return make_item("失业保险金申领", department="区人社局", promised_limit_days=10, online=True)


@pytest.fixture
def labour_counter_item(make_item):
    return make_item("社会保障卡补办", department="区人社局", visits_required=1, online=False)


@pytest.fixture
def police_application(police_item, resident):
    return actions.application_submit(user=resident, item_id=police_item.id)


@pytest.fixture
def labour_application(labour_item, resident):
    return actions.application_submit(user=resident, item_id=labour_item.id)


# --- the catalogue editor --------------------------------------------------------------------------
def test_a_catalogue_editor_can_no_longer_list_register_or_change_applications(
        api, client, editor, resident, police_application, labour_counter_item):
    api.force_authenticate(editor)
    listed = api.get(STAFF)
    assert listed.status_code == 403, listed.content  # was 200: every department's applications
    assert listed.json()["error"] == {"code": "staff_only", "message": "只有受理人员或平台管理员可以办理办件。"}
    changed = api.post(f"{STAFF}{police_application.id}/status/", {"status": "accepted"}, format="json")
    assert changed.status_code == 403
    registered = api.post(STAFF, {"item": labour_counter_item.id, "id_number": resident.id_number}, format="json")
    assert registered.status_code == 403
    with pytest.raises(actions.StaffOnly):
        actions.application_status_change(application_id=police_application.id, status="accepted", actor=editor)
    with pytest.raises(actions.StaffOnly):
        actions.application_register_at_counter(clerk=editor, id_number=resident.id_number,
                                                item_id=labour_counter_item.id)
    assert not queries.applications_for_staff(staff=editor).exists()
    # Nor in the admin: the applications are not there for the editor, the catalogue is.
    client.force_login(editor)
    assert client.get("/admin/services/application/").status_code == 403
    assert client.get(f"/admin/services/application/{police_application.pk}/change/").status_code == 403
    assert client.get("/admin/services/serviceitem/").status_code == 200
    assert Application.objects.get(pk=police_application.pk).status == "submitted"
    assert Application.objects.count() == 1


# --- a clerk of one department ---------------------------------------------------------------------
def test_a_clerk_lists_only_the_applications_of_their_departments_items(
        api, clerk, resident, police_application, labour_application):
    api.force_authenticate(clerk)
    listed = api.get(STAFF).json()
    assert listed["count"] == 1 and [a["id"] for a in listed["results"]] == [police_application.id]
    # Looking another department's application up by its receipt number finds nothing either.
    assert api.get(STAFF, {"receipt": labour_application.receipt_number}).json()["count"] == 0
    assert [a.pk for a in queries.applications_for_staff(staff=clerk)] == [police_application.pk]


def test_a_clerk_of_two_departments_sees_both(api, make_clerk, police_application, labour_application):
    api.force_authenticate(make_clerk("clerk-both", "区公安分局", "区人社局"))
    assert {a["id"] for a in api.get(STAFF).json()["results"]} == {police_application.id, labour_application.id}


def test_a_clerk_without_a_department_sees_nothing_and_cannot_register(api, make_clerk, resident, labour_application,
                                                                       labour_counter_item):
    nowhere = make_clerk("clerk-new")
    api.force_authenticate(nowhere)
    assert api.get(STAFF).json()["count"] == 0
    refused = api.post(STAFF, {"item": labour_counter_item.id, "id_number": resident.id_number}, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_department_clerk"
    assert "还没有分配办理部门" in refused.json()["error"]["message"]


def test_another_departments_application_is_not_found_for_a_clerk_like_one_that_does_not_exist(
        api, clerk, labour_application):
    api.force_authenticate(clerk)
    other = api.post(f"{STAFF}{labour_application.id}/status/", {"status": "accepted", "note": "材料齐全"},
                     format="json")
    missing = api.post(f"{STAFF}999999/status/", {"status": "accepted", "note": "材料齐全"}, format="json")
    assert other.status_code == 404, other.content  # was 200: any editor changed any department's application
    assert other.json()["error"] == missing.json()["error"]  # nothing tells it exists
    with pytest.raises(actions.ApplicationNotFound):
        actions.application_status_change(application_id=labour_application.id, status="accepted", actor=clerk)
    labour_application.refresh_from_db()
    assert labour_application.status == "submitted" and labour_application.events.count() == 1


def test_a_clerk_changes_the_status_of_their_own_departments_application(api, clerk, resident, police_application,
                                                                        django_capture_on_commit_callbacks):
    api.force_authenticate(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{STAFF}{police_application.id}/status/", {"status": "accepted"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert ApplicationEvent.objects.filter(application=police_application, actor=clerk).count() == 1
    assert Notification.objects.filter(user=resident, template="application.accepted").exists()


def test_a_clerk_cannot_register_at_the_counter_an_item_of_another_department(
        api, clerk, resident, labour_counter_item):
    api.force_authenticate(clerk)
    refused = api.post(STAFF, {"item": labour_counter_item.id, "id_number": resident.id_number}, format="json",
                       HTTP_IDEMPOTENCY_KEY="window-rs-1")
    assert refused.status_code == 403, refused.content  # was 201
    error = refused.json()["error"]
    assert error["code"] == "not_department_clerk" and error["department"] == "区人社局"
    assert error["message"] == "「社会保障卡补办」由区人社局办理，您只能登记本部门（区公安分局）事项的窗口办件。"
    english = api.post(STAFF, {"item": labour_counter_item.id, "id_number": resident.id_number}, format="json",
                       HTTP_ACCEPT_LANGUAGE="en").json()["error"]
    assert "handled by 区人社局" in english["message"]
    with pytest.raises(actions.NotDepartmentClerk):
        actions.application_submit(user=resident, item_id=labour_counter_item.id, channel=actions.COUNTER,
                                   clerk=clerk)
    assert not Application.objects.exists()


def test_a_clerk_registers_at_the_counter_an_item_of_their_department(api, make_clerk, resident,
                                                                      labour_counter_item):
    api.force_authenticate(make_clerk("clerk-rs", "区人社局"))
    response = api.post(STAFF, {"item": labour_counter_item.id, "id_number": resident.id_number}, format="json")
    assert response.status_code == 201 and response.json()["channel"] == "counter"


# --- the platform admin ----------------------------------------------------------------------------
def test_a_platform_admin_lists_changes_and_registers_for_every_department(
        api, platform_admin, resident, police_application, labour_application, labour_counter_item, other_resident):
    api.force_authenticate(platform_admin)
    assert {a["id"] for a in api.get(STAFF).json()["results"]} == {police_application.id, labour_application.id}
    assert api.post(f"{STAFF}{labour_application.id}/status/", {"status": "accepted"},
                    format="json").status_code == 200
    registered = api.post(STAFF, {"item": labour_counter_item.id, "id_number": other_resident.id_number},
                          format="json")
    assert registered.status_code == 201


# --- the admin site --------------------------------------------------------------------------------
def test_the_admin_shows_a_clerk_only_their_departments_applications(client, clerk, police_application,
                                                                     labour_application):
    client.force_login(clerk)
    listing = client.get("/admin/services/application/")
    assert listing.status_code == 200
    assert [a.pk for a in listing.context["cl"].result_list] == [police_application.pk]
    # The department filter offers the departments of what the clerk sees, not every department.
    assert "区人社局" not in listing.content.decode()
    assert client.get(f"/admin/services/application/{police_application.pk}/change/").status_code == 200
    # Another department's: the admin's "does not exist" (a redirect to the index), and nothing changes.
    url = f"/admin/services/application/{labour_application.pk}/change/"
    assert client.get(url).status_code == 302
    assert client.post(url, {"new_status": "accepted", **NO_EVENTS}).status_code == 302
    labour_application.refresh_from_db()
    assert labour_application.status == "submitted" and labour_application.events.count() == 1


def test_the_admin_shows_a_platform_admin_every_application(client, platform_admin, police_application,
                                                            labour_application):
    client.force_login(platform_admin)
    listing = client.get("/admin/services/application/")
    assert {a.pk for a in listing.context["cl"].result_list} == {police_application.pk, labour_application.pk}


def test_only_a_platform_admin_assigns_clerks_to_a_department(client, editor, platform_admin, clerk, make_clerk):
    from services.models import Department

    labour = Department.objects.create(name="区人社局")
    newcomer = make_clerk("clerk-rs")
    url = f"/admin/services/department/{labour.pk}/change/"
    form = {"name": "区人社局", "short_name": "人社", "phone": "021-58880300", "address": ""}
    client.force_login(editor)
    assert client.post(url, {**form, "clerks": [newcomer.pk]}).status_code == 302  # the editor edits the rest
    labour.refresh_from_db()
    assert labour.short_name == "人社" and not labour.clerks.exists()  # but not who processes its applications
    client.force_login(platform_admin)
    offered = client.get(url).context["adminform"].form.fields["clerks"].queryset
    assert set(offered) == {clerk, newcomer}  # only service clerks, not the editor nor the admin
    assert client.post(url, {**form, "clerks": [newcomer.pk]}).status_code == 302
    assert list(labour.clerks.all()) == [newcomer]


def test_assigning_clerks_leaves_the_catalogue_version_and_a_new_name_moves_it(client, platform_admin, make_clerk):
    from services.models import CatalogueVersion, Department

    labour = Department.objects.create(name="区人社局")
    url = f"/admin/services/department/{labour.pk}/change/"
    form = {"name": "区人社局", "short_name": "", "phone": "", "address": ""}
    client.force_login(platform_admin)

    def version():
        return CatalogueVersion.objects.filter(id=1).values_list("version", flat=True).first() or 0

    before = version()
    assert client.post(url, {**form, "clerks": [make_clerk("clerk-rs").pk]}).status_code == 302
    assert labour.clerks.count() == 1 and version() == before  # no index rebuild for who processes it
    assert client.post(url, {**form, "name": "区人力资源和社会保障局", "clerks": []}).status_code == 302
    assert version() == before + 1  # the department's name is in the index
