from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import errors
from .health import healthz
from .spa import spa_index

# The organizers' console carries the sale's name, not Django's.
admin.site.site_header = _("Umaseri sale administration")
admin.site.site_title = _("Umaseri administration")
admin.site.index_title = _("Horses, lots and bidders")

api_patterns = [
    path("auth/", include("accounts.urls")),
    path("", include("bidding.urls")),
    path("", include("notifications.urls")),
    path("", include("horses.urls")),
    path("", include("auctions.urls")),
    path("reports/", include("bidding.reports.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (?script=), so the policy needs no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    path("healthz", healthz, name="healthz"),
    # Anything under /api/ that matched nothing above is a JSON 404, never the SPA page, whatever the method: an
    # unsafe one must not get Django's HTML CSRF page instead (nothing here reads cookies or changes anything).
    re_path(r"^api/", csrf_exempt(errors.json_not_found)),
    # Every other path is a client-side route of the SPA.
    re_path(r"^(?!static/|media/|ws/)(?P<path>.*)$", spa_index, name="spa"),
]

if settings.DEBUG:
    # Uploaded photos, for `make run`; vet documents only ever through their guarded endpoint.
    from django.views.static import serve

    urlpatterns = [
        re_path(r"^media/(?!horses/documents/)(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
        *urlpatterns,
    ]

handler400 = errors.json_bad_request
handler403 = errors.json_permission_denied
handler404 = errors.json_not_found
handler500 = errors.json_server_error
