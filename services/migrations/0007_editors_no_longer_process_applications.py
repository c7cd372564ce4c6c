"""Catalogue editors no longer see or process residents' applications: service clerks (受理人员) do,
each for the departments assigned to them.

``manage.py setup_portal`` (``portal.accounts.roles.ensure_roles``) sets every role group to exactly
its permissions; this migration takes the old grants away already at ``migrate``, so that a
deployment which migrates and starts before running ``setup_portal`` does not keep them meanwhile.
"""

from django.db import migrations

EDITOR_GROUP = "catalogue_editor"
APPLICATION_PERMISSIONS = ["view_application", "change_application", "view_applicationevent"]


def revoke_application_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=EDITOR_GROUP).first()
    if group is None:
        return  # a fresh database: ensure_roles creates the group with the new permissions
    group.permissions.remove(*Permission.objects.filter(content_type__app_label="services",
                                                        codename__in=APPLICATION_PERMISSIONS))


class Migration(migrations.Migration):

    dependencies = [
        ('services', '0006_application_one_open_per_item'),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        # Not reversed: giving editors the applications back is a decision, not an undo.
        migrations.RunPython(revoke_application_permissions, migrations.RunPython.noop),
    ]
