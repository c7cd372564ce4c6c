"""``booking_book``: the booking's one round trip on PostgreSQL, as a function whose plans PostgreSQL keeps.

The resident's row lock (under ``lock_timeout``) and the statement that counts the resident's
bookings (the limits), takes the places only if no limit refuses, inserts the booking only if the
places were taken and stores the answer under the Idempotency-Key only if the booking was inserted;
before that statement it may claim the key itself (``Receipt.claim``), under the resident's lock.
It was sent as one query of two statements; PostgreSQL parsed and planned both on every booking,
and planning the booking statement cost it about four times running it. PL/pgSQL prepares each
statement of a function once per connection, and the call itself is a prepared statement
(``portal.core.prepared``). The function is VOLATILE, so each statement takes its own snapshot, as
the two statements of the query did: the counts see every booking the resident committed before
the lock was granted. SQLite has no such thing and books step by step (``booking.actions``).

A later change to a column this function writes needs ``CREATE OR REPLACE`` in a new migration.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION booking_book(
    p_resident bigint, p_slot bigint, p_venue bigint, p_units integer, p_now timestamptz,
    p_day_start timestamptz, p_day_end timestamptz,
    p_max_active integer, p_max_day integer, p_max_venue_day integer,
    p_id bigint, p_party_size integer, p_companions jsonb, p_starts_at timestamptz, p_ends_at timestamptz,
    p_checkin_closes_at timestamptz, p_checkin_secret text, p_lock_timeout text,
    p_key_id bigint, p_key text, p_key_method text, p_key_path text, p_key_fingerprint text,
    p_key_stale_before timestamptz, p_key_status integer, p_key_body jsonb)
RETURNS TABLE (o_same_slot bigint, o_active bigint, o_day bigint, o_venue_day bigint, o_suspension bigint,
               o_remaining integer, o_booked bigint, o_key bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_key bigint := p_key_id;
BEGIN
    PERFORM set_config('lock_timeout', p_lock_timeout, true);
    PERFORM 1 FROM accounts_user WHERE id = p_resident FOR UPDATE;
    IF p_key IS NOT NULL THEN
        -- The Idempotency-Key, claimed as portal.core.idempotency claims it, under the resident's
        -- lock: a repeat in flight waits for this booking and then finds the key taken.
        INSERT INTO core_idempotencykey AS k (user_id, key, method, path, fingerprint, response_status,
                                              response_body, created_at)
        VALUES (p_resident, p_key, p_key_method, p_key_path, p_key_fingerprint, NULL, NULL, p_now)
        ON CONFLICT (user_id, key) DO UPDATE
           SET method = excluded.method, path = excluded.path, fingerprint = excluded.fingerprint,
               response_status = NULL, response_body = NULL, created_at = excluded.created_at
         WHERE k.created_at < p_key_stale_before
        RETURNING k.id INTO v_key;
        IF v_key IS NULL THEN  -- a live row holds the key: a repeat, nothing booked
            RETURN QUERY SELECT NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint,
                                NULL::integer, NULL::bigint, NULL::bigint;
            RETURN;
        END IF;
    END IF;
    RETURN QUERY
    WITH counts AS (
        SELECT COUNT(*) FILTER (WHERE b.slot_id = p_slot AND b.status IN ('confirmed', 'checked_in')) AS same_slot,
               COUNT(*) FILTER (WHERE b.status = 'confirmed' AND b.ends_at > p_now) AS active,
               COUNT(*) FILTER (WHERE b.starts_at >= p_day_start AND b.starts_at < p_day_end
                                  AND b.status IN ('confirmed', 'checked_in', 'completed', 'no_show')) AS day,
               COUNT(*) FILTER (WHERE b.starts_at >= p_day_start AND b.starts_at < p_day_end
                                  AND b.status IN ('confirmed', 'checked_in', 'completed', 'no_show')
                                  AND b.venue_id = p_venue) AS venue_day,
               (SELECT s.id FROM booking_suspension s
                 WHERE s.resident_id = p_resident AND s.starts_at <= p_now AND s.ends_at > p_now LIMIT 1)
                   AS suspension
          FROM booking_booking b
         WHERE b.resident_id = p_resident
           AND (b.slot_id = p_slot OR b.ends_at > p_now OR (b.starts_at >= p_day_start AND b.starts_at < p_day_end))
    ), taken AS (
        UPDATE booking_slot t SET remaining = t.remaining - p_units
         WHERE t.id = p_slot AND t.remaining >= p_units AND t.state = 'open' AND t.opens_at <= p_now
           AND t.start > p_now
           AND (SELECT c.same_slot = 0 AND c.active < p_max_active AND c.day < p_max_day
                       AND c.venue_day < p_max_venue_day AND c.suspension IS NULL FROM counts c)
        RETURNING t.id, t.remaining
    ), booked AS (
        INSERT INTO booking_booking (id, resident_id, slot_id, venue_id, party_size, units, companions, status,
                                     starts_at, ends_at, checkin_closes_at, checkin_secret, created_at,
                                     cancelled_by_venue)
        SELECT p_id, p_resident, taken.id, p_venue, p_party_size, p_units, p_companions, 'confirmed',
               p_starts_at, p_ends_at, p_checkin_closes_at, p_checkin_secret, p_now, false
          FROM taken
        RETURNING id
    ), stored AS (
        UPDATE core_idempotencykey k SET response_status = p_key_status, response_body = p_key_body
         WHERE p_key_status IS NOT NULL AND k.id = v_key AND EXISTS (SELECT 1 FROM booked)
        RETURNING k.id
    )
    SELECT c.same_slot, c.active, c.day, c.venue_day, c.suspension,
           (SELECT taken.remaining FROM taken), (SELECT booked.id FROM booked), v_key
      FROM counts c;
END
$$
"""

DROP = "DROP FUNCTION IF EXISTS booking_book(bigint, bigint, bigint, integer, timestamptz, timestamptz, timestamptz," \
       " integer, integer, integer, bigint, integer, jsonb, timestamptz, timestamptz, timestamptz, text, text," \
       " bigint, text, text, text, text, timestamptz, integer, jsonb)"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0001_initial"),
        ("core", "0001_initial"),
        ("accounts", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
