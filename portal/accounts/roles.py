"""Staff roles as Django groups, and the permissions each role holds (least privilege).

Each domain app lists its permissions here as it arrives; ``ensure_roles`` (run by
``manage.py setup_portal``) creates the groups and grants exactly these permissions: a permission
taken off a role here is taken from its existing group too.
"""

from __future__ import annotations

import logging

DOCTOR = "doctor"
VENUE_MANAGER = "venue_manager"
CATALOGUE_EDITOR = "catalogue_editor"
SERVICE_CLERK = "service_clerk"
ADMIN = "admin"

ROLES: dict[str, str] = {
    DOCTOR: "家庭医生",
    VENUE_MANAGER: "场馆管理员",
    CATALOGUE_EDITOR: "事项编辑",
    SERVICE_CLERK: "受理人员",
    ADMIN: "平台管理员",
}

# "app_label.codename" per role. Permissions of apps not yet installed are skipped with a warning.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    DOCTOR: [],
    # Venue managers see and run only the venues assigned to them (booking.access filters every
    # queryset and action by Venue.managers); slots and bookings change through the staff API.
    VENUE_MANAGER: [
        "booking.view_venue",
        "booking.change_venue",
        "booking.view_court",
        "booking.view_slot",
        "booking.view_booking",
        "booking.view_waitlistentry",
        "booking.view_utilisation",
    ],
    # Editors write the catalogue; they do not see or process residents' applications (the clerks do).
    CATALOGUE_EDITOR: [
        *(f"services.{verb}_{model}" for model in ("serviceitem", "material", "department", "lifeevent",
                                                   "servicelocation") for verb in ("view", "add", "change", "delete")),
        "services.view_licencetype",
        # Learning from misses: map unmatched questions to an intent or item, extend the lexicon.
        "chat.view_unmatchedquestion",
        "chat.change_unmatchedquestion",
        "chat.view_lexiconentry",
        "chat.add_lexiconentry",
        "chat.change_lexiconentry",
    ],
    # Clerks (窗口/受理人员) see and process only the applications of items of the departments assigned
    # to them (services.access filters every queryset and action by Department.clerks).
    SERVICE_CLERK: [
        "services.view_application",
        "services.change_application",
        "services.view_applicationevent",
    ],
    ADMIN: [
        "accounts.view_user",
        "accounts.change_user",
        "accounts.view_identity",
        *(f"services.{verb}_{model}" for model in ("serviceitem", "material", "department", "lifeevent",
                                                   "servicelocation", "licencetype")
          for verb in ("view", "add", "change", "delete")),
        "services.view_application",
        "services.change_application",
        "services.view_applicationevent",
        "services.view_residentlicence",
        # Hand-off tickets from the chat are answered by the platform's service desk (admin role).
        "chat.view_handoffticket",
        "chat.change_handoffticket",
        "chat.view_chatsession",
        "chat.view_unmatchedquestion",
        "chat.change_unmatchedquestion",
        "chat.view_lexiconentry",
        "chat.add_lexiconentry",
        "chat.change_lexiconentry",
        "booking.view_venue",
        "booking.add_venue",
        "booking.change_venue",
        "booking.view_court",
        "booking.add_court",
        "booking.change_court",
        "booking.view_slot",
        "booking.view_booking",
        "booking.view_waitlistentry",
        "booking.view_suspension",
        "booking.change_suspension",
        "booking.view_utilisation",
    ],
}

logger = logging.getLogger(__name__)


def ensure_roles() -> None:
    from django.contrib.auth.models import Group, Permission

    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for dotted in ROLE_PERMISSIONS.get(role, []):
            app_label, codename = dotted.split(".", 1)
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is None:
                logger.warning("role %s: permission %s does not exist (yet)", role, dotted)
                continue
            wanted.append(perm)
        group.permissions.set(wanted)
