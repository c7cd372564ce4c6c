"""An idempotency key's user is found through the unique (user, key) index: its own index is
dropped — only the index (see booking/migrations/0003 for why not ``AlterField``)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='idempotencykey',
            name='fingerprint',
            field=models.CharField(help_text='keyed HMAC-SHA256 of the request body', max_length=64),
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(
                'DROP INDEX IF EXISTS "core_idempotencykey_user_id_ca0b627c"',
                'CREATE INDEX "core_idempotencykey_user_id_ca0b627c" ON "core_idempotencykey" ("user_id")')],
            state_operations=[migrations.AlterField(
                model_name='idempotencykey',
                name='user',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
            )],
        ),
    ]
