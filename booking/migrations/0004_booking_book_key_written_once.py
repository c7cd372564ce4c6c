"""``booking_book`` writes the Idempotency-Key's row once when it books.

Before, the function claimed the key (a row without an answer) before the booking statement and
stored the answer into that row within it: two versions of the row, and their WAL, on every
booking. Now, under the resident's lock, it looks whether a live row holds the key (a repeat:
nothing done, as before), and the booking statement itself inserts the key's row — with the answer
when it booked, without one when a limit refused (the answer is stored afterwards, as before).
A writer that claims the same key without the resident's lock (another kind of request reusing
it) and commits in between would make the insert find a live row: the function then raises
``idempotency_key_taken``, so that the booking made in that statement is rolled back with it, and
``booking.actions`` answers it as the repeat it is (``KeyTaken``). (In practice that writer's
commit waits for the resident's row, for its foreign key check, and PostgreSQL ends the booking's
transaction as a deadlock instead: the same outcome, a second later;
tests/booking/test_booking_claims_its_key.py.)

Same parameters, same result columns, same locks in the same order (the resident, the key's unique
index, the slot).
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
    r record;
BEGIN
    PERFORM set_config('lock_timeout', p_lock_timeout, true);
    PERFORM 1 FROM accounts_user WHERE id = p_resident FOR UPDATE;
    IF p_key IS NOT NULL AND EXISTS (
        SELECT 1 FROM core_idempotencykey k
         WHERE k.user_id = p_resident AND k.key = p_key AND k.created_at >= p_key_stale_before) THEN
        -- A live row holds the key: a repeat (a repeat in flight waited for the lock above), nothing done.
        RETURN QUERY SELECT NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint,
                            NULL::integer, NULL::bigint, NULL::bigint;
        RETURN;
    END IF;
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
    ), claimed AS (
        -- The key claimed as portal.core.idempotency claims it (an expired row not yet purged is
        -- taken over), with the answer if the booking was made.
        INSERT INTO core_idempotencykey AS k (user_id, key, method, path, fingerprint, response_status,
                                              response_body, created_at)
        SELECT p_resident, p_key, p_key_method, p_key_path, p_key_fingerprint, a.status, a.body, p_now
          FROM (SELECT CASE WHEN EXISTS (SELECT 1 FROM booked) THEN p_key_status END AS status,
                       CASE WHEN EXISTS (SELECT 1 FROM booked) THEN p_key_body END AS body) a
         WHERE p_key IS NOT NULL
        ON CONFLICT (user_id, key) DO UPDATE
           SET method = excluded.method, path = excluded.path, fingerprint = excluded.fingerprint,
               response_status = excluded.response_status, response_body = excluded.response_body,
               created_at = excluded.created_at
         WHERE k.created_at < p_key_stale_before
        RETURNING k.id
    ), stored AS (
        -- A key claimed before this call (p_key_id): its answer, if the booking was made.
        UPDATE core_idempotencykey k SET response_status = p_key_status, response_body = p_key_body
         WHERE p_key IS NULL AND p_key_status IS NOT NULL AND k.id = p_key_id AND EXISTS (SELECT 1 FROM booked)
        RETURNING k.id
    )
    SELECT c.same_slot, c.active, c.day, c.venue_day, c.suspension,
           (SELECT taken.remaining FROM taken) AS remaining, (SELECT booked.id FROM booked) AS booked,
           CASE WHEN p_key IS NULL THEN p_key_id ELSE (SELECT claimed.id FROM claimed) END AS key_id
      INTO r
      FROM counts c;
    IF p_key IS NOT NULL AND r.key_id IS NULL AND r.booked IS NOT NULL THEN
        -- Another request took the key meanwhile: undo this booking with the statement.
        RAISE EXCEPTION 'idempotency_key_taken';
    END IF;
    RETURN QUERY SELECT r.same_slot, r.active, r.day, r.venue_day, r.suspension, r.remaining, r.booked, r.key_id;
END
$$
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def previous(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from importlib import import_module

        schema_editor.execute(import_module("booking.migrations.0002_booking_book_function").CREATE)


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0003_fewer_indexes"),
        ("core", "0002_fewer_indexes"),
    ]

    operations = [migrations.RunPython(create, previous, elidable=False)]
