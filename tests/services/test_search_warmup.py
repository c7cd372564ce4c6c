"""A serving process builds the catalogue index as it starts (portal/warmup.py), in the background,
and keeps it out of the cyclic garbage collector; commands and tests do not."""

from __future__ import annotations

import gc
import logging

import pytest

from portal import warmup
from services import search


@pytest.mark.django_db(transaction=True)
def test_a_server_process_builds_the_index_as_it_starts_and_freezes_it(settings, make_item):
    make_item("犬只登记")
    settings.SERVER_WARM_UP = ["services.search.warm_up"]
    # The thread, the build and the freeze are what this test is about: without the model's warm-up
    # (~4,000 words and characters embedded: about a minute of one core, more than the join allowed
    # when a second test worker shared the two cores). tests/services/test_api_items.py warms it.
    settings.ITEM_SEMANTIC = False
    frozen_before = gc.get_freeze_count()
    try:
        thread = warmup.start()
        assert thread is not None
        thread.join(timeout=60)
        assert not thread.is_alive()
        assert search._state.matcher is not None  # built before anyone searched
        assert gc.get_freeze_count() > frozen_before
        assert [m.name for m in search.search("养狗要登记吗")] == ["犬只登记"]
    finally:
        gc.unfreeze()
        search._state.serving = False


def test_without_warm_up_work_nothing_is_started(settings):
    settings.SERVER_WARM_UP = []
    assert warmup.start() is None
    assert search._state.matcher is None


def test_a_failing_warm_up_is_logged_and_does_not_stop_the_process(settings, caplog, db):
    # db: run() closes old connections after each step, which touches a connection an earlier test
    # of this worker left open (pytest-django refuses that without database access: flaky under -n 2).
    settings.SERVER_WARM_UP = ["services.search.no_such_function"]
    warmup.run()
    assert "warm-up services.search.no_such_function failed" in caplog.text


def test_commands_and_tests_do_not_freeze_the_index_they_build(db):
    frozen_before = gc.get_freeze_count()
    search.search("居住证")
    assert gc.get_freeze_count() == frozen_before


@pytest.mark.django_db
def test_queuing_the_index_refresh_in_the_embedded_mode_logs_no_broker_warning(caplog, settings):
    if settings.REDIS_URL:
        pytest.skip("a Redis broker is configured: this is about the embedded mode's in-memory broker")
    from services.tasks import catalogue_index_refresh

    with caplog.at_level(logging.WARNING):
        catalogue_index_refresh.delay()  # kombu warned "No hostname was supplied" for "memory://"
    assert not [r for r in caplog.records if r.name.startswith("kombu")]
