"""Least privilege over residents' applications: catalogue editors do not process them; service
clerks (受理人员) and platform admins do."""

from __future__ import annotations

import pytest

from services import actions
from services.models import Application

pytestmark = pytest.mark.django_db
STAFF = "/api/v1/services/staff/applications/"
NO_EVENTS = {"events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0, "events-MIN_NUM_FORMS": 0,
             "events-MAX_NUM_FORMS": 1000}


@pytest.fixture
def police_item(make_item):
    return make_item("居住证签注", department="区公安分局", promised_limit_days=5, online=True)


@pytest.fixture
def labour_counter_item(make_item):
    return make_item("社会保障卡补办", department="区人社局", visits_required=1, online=False)


@pytest.fixture
def police_application(police_item, resident):
    return actions.application_submit(user=resident, item_id=police_item.id)


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
    # Nor in the admin: the applications are not there for the editor, the catalogue is.
    client.force_login(editor)
    assert client.get("/admin/services/application/").status_code == 403
    assert client.get(f"/admin/services/application/{police_application.pk}/change/").status_code == 403
    assert client.get("/admin/services/serviceitem/").status_code == 200
    assert Application.objects.get(pk=police_application.pk).status == "submitted"
    assert Application.objects.count() == 1
