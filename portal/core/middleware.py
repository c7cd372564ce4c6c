"""Django's CommonMiddleware, with the contract's answer for an API write missing its trailing slash.

Django redirects ``POST /api/v1/bookings`` to ``/api/v1/bookings/`` with a 301, which clients follow
as a GET without the body (a booking silently becomes a listing), and under DEBUG it raises a
RuntimeError instead (an HTML error page). Here such a write gets the contract's 404 naming the
address to use; reads still redirect.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.middleware import common
from django.utils.translation import gettext as _

from portal.core.errors import error_body

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class CommonMiddleware(common.CommonMiddleware):
    def process_response(self, request, response):
        if (response.status_code == 404 and request.method not in SAFE_METHODS
                and request.path_info.startswith("/api/") and self.should_redirect_with_slash(request)):
            message = _("这个地址末尾少了“/”，请改用 %(path)s 。") % {"path": request.path + "/"}
            response = JsonResponse(error_body("not_found", message), status=404)
            response.headers["Content-Length"] = str(len(response.content))
            return response
        return super().process_response(request, response)
