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


def check_is_venue_staff(staff: User) -> None:
    """Refuse anyone who manages no venue (a resident, an editor) before any object is looked up, so
    the refusal is the same whether the id exists or not."""
    if managed_venue_ids(staff) == []:
        raise errors.NotVenueStaff()


def check_manages_object(staff: User, venue_id: int | None, not_found: type[errors.NotFound]) -> None:
    """A booking or slot staff act on by id: not there, or of a venue this staff member does not manage,
    is the same ``not_found`` (404, same code and body), so a manager cannot probe which ids exist at other
    venues; anyone who is no venue staff at all is 403 ``not_venue_staff`` either way. Venues themselves
    are public, so a venue one does not manage stays 403 (``check_manages``)."""
    check_is_venue_staff(staff)
    if venue_id is None or not staff_can_manage(staff=staff, venue_id=venue_id):
        raise not_found()
