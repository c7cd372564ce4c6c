"""Role groups hold exactly their permissions: those who edit the catalogue do not process residents'
applications (service clerks do), and a deployment with the old grants loses them on migrate and setup."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission

from portal.accounts import roles
from portal.accounts.models import User

pytestmark = pytest.mark.django_db
APPLICATION_PERMISSIONS = {"services.view_application", "services.change_application",
                           "services.view_applicationevent"}


def _granted(role: str) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}"
            for p in Group.objects.get(name=role).permissions.select_related("content_type")}


def _old_editor_group() -> Group:
    """The catalogue_editor group as deployments before the service clerk role have it."""
    group, _ = Group.objects.get_or_create(name=roles.CATALOGUE_EDITOR)
    group.permissions.add(*Permission.objects.filter(content_type__app_label="services", codename__in=[
        "view_application", "change_application", "view_applicationevent", "change_serviceitem"]))
    return group


def test_catalogue_editors_hold_no_application_permission_and_service_clerks_do():
    roles.ensure_roles()
    editor = _granted(roles.CATALOGUE_EDITOR)
    assert not editor & APPLICATION_PERMISSIONS  # was view and change
    assert {"services.change_serviceitem", "services.add_serviceitem", "services.change_department"} <= editor
    assert roles.ROLES[roles.SERVICE_CLERK] == "受理人员"
    assert _granted(roles.SERVICE_CLERK) == APPLICATION_PERMISSIONS
    assert APPLICATION_PERMISSIONS <= _granted(roles.ADMIN)


def test_setup_takes_the_old_application_grants_from_an_existing_editor_group_and_again_changes_nothing():
    group = _old_editor_group()
    user = User.objects.create(username="old-editor", kind=User.Kind.STAFF, is_staff=True)
    user.groups.add(group)
    assert User.objects.get(pk=user.pk).has_perm("services.change_application")
    roles.ensure_roles()
    user = User.objects.get(pk=user.pk)  # a fresh permission cache
    assert not any(user.has_perm(perm) for perm in APPLICATION_PERMISSIONS)
    assert user.has_perm("services.change_serviceitem")
    before = {role: _granted(role) for role in roles.ROLES}
    roles.ensure_roles()
    assert {role: _granted(role) for role in roles.ROLES} == before


def test_migrate_takes_the_old_application_grants_from_an_existing_editor_group():
    """A deployment that migrates and serves before running setup_portal does not keep them meanwhile."""
    migration = importlib.import_module("services.migrations.0007_editors_no_longer_process_applications")
    group = _old_editor_group()
    migration.revoke_application_permissions(apps, None)
    granted = {p.codename for p in group.permissions.all()}
    assert granted == {"change_serviceitem"}  # the catalogue stays the editor's
    Group.objects.filter(name=roles.CATALOGUE_EDITOR).delete()
    migration.revoke_application_permissions(apps, None)  # a fresh database: no group, nothing to do
