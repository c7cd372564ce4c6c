"""Fewer indexes for a booking to write: the bookings' resident and venue are found through the
(resident, starts_at) and (venue, starts_at) indexes; the check-in staff index becomes partial (a
new booking, not yet checked in, adds no entry). Only the indexes are dropped: ``AlterField`` with
``db_index=False`` would also drop and re-add each foreign key, validating it over the whole table
under a lock that stops bookings."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0002_booking_book_function'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(f'DROP INDEX IF EXISTS "{name}"',
                                  f'CREATE INDEX "{name}" ON "booking_booking" ("{column}")')
                for name, column in [("booking_booking_checked_in_by_id_0c738fdd", "checked_in_by_id"),
                                     ("booking_booking_resident_id_fc07f3f4", "resident_id"),
                                     ("booking_booking_venue_id_bdecec61", "venue_id")]
            ],
            state_operations=[
                migrations.AlterField(
                    model_name='booking',
                    name='checked_in_by',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='核验人'),
                ),
                migrations.AlterField(
                    model_name='booking',
                    name='resident',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='bookings', to=settings.AUTH_USER_MODEL, verbose_name='预约人'),
                ),
                migrations.AlterField(
                    model_name='booking',
                    name='venue',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='bookings', to='booking.venue', verbose_name='场馆'),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name='booking',
            index=models.Index(condition=models.Q(('checked_in_by__isnull', False)), fields=['checked_in_by'], name='booking_checked_in_by'),
        ),
    ]
