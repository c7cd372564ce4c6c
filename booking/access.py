"""Who may act on a venue (least privilege)."""

from __future__ import annotations

from booking import errors
from portal.accounts import roles
from portal.accounts.models import User


def staff_can_manage(*, staff: User, venue_id: int) -> bool:
    """A platform admin manages every venue; a venue manager only the venues assigned to them."""
    if not (staff and staff.is_authenticated and staff.is_active):
        return False
    if staff.has_role(roles.ADMIN):
        return True
    return staff.has_role(roles.VENUE_MANAGER) and staff.managed_venues.filter(pk=venue_id).exists()


def managed_venue_ids(staff: User) -> list[int] | None:
    """The venues this staff member manages; None means all (platform admin)."""
    if not (staff and staff.is_authenticated and staff.is_active):
        return []
    if staff.has_role(roles.ADMIN):
        return None
    if not staff.has_role(roles.VENUE_MANAGER):
        return []
    return list(staff.managed_venues.values_list("pk", flat=True))


def check_manages(staff: User, venue_id: int) -> None:
    if not staff_can_manage(staff=staff, venue_id=venue_id):
        raise errors.NotVenueStaff()
