from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal.core.errors import handler404 as handler404_view
from portal.core.health import healthz

handler400 = "portal.core.errors.handler400"
handler403 = "portal.core.errors.handler403"
handler404 = "portal.core.errors.handler404"
handler500 = "portal.core.errors.handler500"

admin.site.site_header = "市民服务中台 管理后台"
admin.site.site_title = "市民服务中台"
admin.site.index_title = "管理"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    # Each app names its own paths under /api/v1/ (auth/, chat/, services/, venues/, bookings/, …).
    path("api/v1/", include("portal.accounts.urls")),
    path("api/v1/", include("portal.chat.urls")),
    path("api/v1/", include("services.urls")),
    path("api/v1/", include("booking.urls")),
    path("api/v1/", include("health.urls")),
    # Any other API path: the contract's 404, in DEBUG too (Django's debug 404 is an HTML page).
    # Only paths ending in "/", so that a missing trailing slash still redirects (APPEND_SLASH).
    # Not CSRF-protected: it changes nothing, and a POST to a wrong address is a 404, not a 403.
    re_path(r"^api/(?:.*/)?$", csrf_exempt(handler404_view)),
    path("admin/", admin.site.urls),
    path("", include("portal.web.urls")),
]
