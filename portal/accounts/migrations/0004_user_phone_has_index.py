# In its own migration: on PostgreSQL an ALTER TABLE after 0003's row updates in one transaction
# could meet pending trigger events.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_phone_encrypted'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='user',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('phone_index__isnull', True), models.Q(('phone__isnull', True), ('phone', ''), _connector='OR')), models.Q(('phone_index__isnull', False), ('phone__isnull', False), models.Q(('phone', ''), _negated=True)), _connector='OR'), name='user_phone_has_index'),
        ),
    ]
