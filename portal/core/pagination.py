from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound as InvalidPage
from rest_framework.pagination import PageNumberPagination

from portal.core.errors import NotFound


class Pagination(PageNumberPagination):
    """The list contract: ``{"count", "next", "previous", "results"}``."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except InvalidPage:  # DRF's own text is developer English ("Invalid page.")
            pages = self.django_paginator_class(queryset, self.get_page_size(request)).num_pages
            raise NotFound(_("没有这一页：页码应为 1 到 {pages} 之间的数字。").format(pages=pages))
