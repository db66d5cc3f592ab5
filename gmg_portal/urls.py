from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.http import require_GET

from initiatives import views as initiative_views


@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("", initiative_views.dashboard, name="dashboard"),
    path("", include("initiatives.urls")),
    path("", include("agencies.urls")),
    path("", include("priorities.urls")),
    path("", include("overlaps.urls")),
    path("", include("digests.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("healthz/", healthz, name="healthz"),
]
