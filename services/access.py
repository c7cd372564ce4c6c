"""Who may see and process residents' applications (least privilege).

A platform admin (and a superuser) and a service clerk (受理人员) process applications; a catalogue
editor does not — the people who write the catalogue are not the people who process applications.
"""

from __future__ import annotations

from portal.accounts import roles


def _active_staff(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def may_process_applications(user) -> bool:
    """An admin or a service clerk: the staff application endpoints open."""
    return _active_staff(user) and (user.is_superuser or user.has_role(roles.ADMIN)
                                    or user.has_role(roles.SERVICE_CLERK))
