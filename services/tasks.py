from celery import shared_task


@shared_task(name="services.tasks.catalogue_index_refresh", ignore_result=True)
def catalogue_index_refresh() -> str:
    """Share the rebuilt search documents through the cache and refresh this process's index.

    Idempotent: running twice stores the same snapshot under the same version token.
    """
    from services import search

    token = search.snapshot_store()
    search.refresh_local()
    return token


@shared_task(name="services.tasks.applications_overdue_report", ignore_result=True)
def applications_overdue_report() -> int:
    """Log how many open applications are past their expected completion date (for staff)."""
    import logging

    from services import queries

    count = queries.applications_overdue().count()
    if count:
        logging.getLogger(__name__).warning("%d applications are past their expected completion date", count)
    return count
