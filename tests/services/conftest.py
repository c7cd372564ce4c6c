"""Fixtures for the 一网通办 tests: small factories, residents, staff, a fresh search index per test."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from portal.accounts import actions as account_actions
from portal.accounts import roles
from portal.accounts.idcard import make as make_id_number

_sequence = itertools.count(100)


@pytest.fixture
def department(db):
    from services import actions

    return actions.department_upsert(name="区公安分局", phone="021-58880110")


@pytest.fixture
def make_item(db, django_capture_on_commit_callbacks):
    """Create an item the way an editor would (the catalogue version is bumped and committed)."""
    from services import actions
    from services.models import ServiceItem

    def make(name: str, *, department: str = "区公安分局", code: str | None = None, materials=(), **fields):
        dept = actions.department_upsert(name=department)
        with django_capture_on_commit_callbacks(execute=True):
            item = ServiceItem.objects.create(name=name, department=dept, code=code or f"T-{next(_sequence)}",
                                              **fields)
            for position, material in enumerate(materials, start=1):
                item.materials.create(position=position, **material)
            actions.catalogue_touch()
        return item

    return make


@pytest.fixture
def licence_types(db):
    from services import actions

    return {
        "id_card": actions.licence_type_upsert(code="id_card", name="居民身份证"),
        "household_register": actions.licence_type_upsert(code="household_register", name="居民户口簿"),
        "marriage_cert": actions.licence_type_upsert(code="marriage_cert", name="结婚证"),
    }


def _resident(phone: str, name: str, *, realname: bool = True):
    user = account_actions.resident_for_phone(phone=phone, display_name=name)
    if realname:
        user = account_actions.realname_bind(user=user, name=name, id_number=make_id_number(
            "310115", dt.date(1988, 5, 4), next(_sequence) % 900 + 10))
    return user


@pytest.fixture
def resident(db):
    return _resident("13800000011", "赵一")


@pytest.fixture
def other_resident(db):
    return _resident("13800000022", "钱二")


@pytest.fixture
def unverified_resident(db):
    return _resident("13800000033", "孙三", realname=False)


@pytest.fixture
def editor(db):
    roles.ensure_roles()
    return account_actions.staff_ensure(username="editor-t", password="editor-pass-2026", display_name="编辑",
                                        role=roles.CATALOGUE_EDITOR)


@pytest.fixture
def make_clerk(db):
    """A service clerk (受理人员) of the named departments (created if need be), as a platform admin
    assigns them in the admin."""
    from services import actions

    def make(username: str, *departments: str):
        roles.ensure_roles()
        clerk = account_actions.staff_ensure(username=username, password="clerk-pass-2026", display_name="受理",
                                             role=roles.SERVICE_CLERK)
        for name in departments:
            actions.department_upsert(name=name).clerks.add(clerk)
        return clerk

    return make


@pytest.fixture
def clerk(make_clerk):
    """A clerk of 区公安分局, the department of ``make_item``'s items unless told otherwise."""
    return make_clerk("clerk-t", "区公安分局")


@pytest.fixture
def platform_admin(db):
    roles.ensure_roles()
    return account_actions.staff_ensure(username="admin-t", password="admin-pass-2026", display_name="平台管理员",
                                        role=roles.ADMIN)


@pytest.fixture
def venue_manager(db):
    roles.ensure_roles()
    return account_actions.staff_ensure(username="venue-t", password="venue-pass-2026", display_name="场馆",
                                        role=roles.VENUE_MANAGER)
