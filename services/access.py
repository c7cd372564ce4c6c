"""Who may see and process residents' applications (least privilege).

A platform admin (and a superuser) processes every application; a service clerk (受理人员) only the
applications of items of the departments assigned to them (``Department.clerks``); a catalogue
editor none — the people who write the catalogue are not the people who process applications.
Mirrors ``booking.access`` (venue managers and ``Venue.managers``).
"""

from __future__ import annotations

from django.db.models import QuerySet

from portal.accounts import roles


def _active_staff(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def may_process_applications(user) -> bool:
    """An admin or a service clerk (whatever their departments): the staff application endpoints open."""
    return _active_staff(user) and (user.is_superuser or user.has_role(roles.ADMIN)
                                    or user.has_role(roles.SERVICE_CLERK))


def clerk_department_ids(user) -> list[int] | None:
    """The departments whose applications this staff member processes; None means all (admin)."""
    if not _active_staff(user):
        return []
    if user.is_superuser or user.has_role(roles.ADMIN):
        return None
    if not user.has_role(roles.SERVICE_CLERK):
        return []
    return list(user.clerk_departments.values_list("pk", flat=True))


def scope_applications(queryset: QuerySet, user) -> QuerySet:
    """``queryset`` of applications cut to those this staff member may see (none for anyone else)."""
    ids = clerk_department_ids(user)
    if ids is None:
        return queryset
    return queryset.filter(item__department_id__in=ids) if ids else queryset.none()
