from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("search/", views.search, name="search"),
    path("agencies/", views.agency_list, name="agency-list"),
    path("agencies/<slug:slug>/", views.agency_detail, name="agency-detail"),
    path("priorities/", views.priority_list, name="priority-list"),
    path("priorities/<slug:code>/", views.priority_detail, name="priority-detail"),
    path("coverage/", views.coverage_matrix, name="coverage"),
    path("coverage/gaps/", views.coverage_gaps, name="coverage-gaps"),
    path("coverage/csv/", views.coverage_csv, name="coverage-csv"),
    path("coverage/map/", views.coverage_map, name="coverage-map"),
    path("coverage/map/csv/", views.coverage_map_csv, name="coverage-map-csv"),
    path("coverage/charts/", views.coverage_charts, name="coverage-charts"),
    path("deleted/", views.recently_deleted, name="recently-deleted"),
    path("", include("activities.urls")),
    path("", include("initiatives.urls")),
    path("", include("agencies.urls")),
    path("", include("overlaps.urls")),
    path("", include("digests.urls")),
    path("", include("library.urls")),
    path("", include("processes.urls")),
    path("", include("positions.urls")),
    path("", include("states.urls")),
    path("", include("capacity.urls")),
    path("", include("governance.urls")),
    path("", include("history.urls")),
    path("accounts/", include("allauth.urls")),
    # Before the admin's own URLs: its login form has no throttle (see views.admin_login).
    path("admin/login/", views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("healthz/", views.healthz, name="healthz"),
    path(".well-known/security.txt", views.security_txt, name="security-txt"),
    # Browsers ask for /favicon.ico whatever the page links to. Not permanent: the static
    # file's name carries a content hash in production and changes with the icon. Lazy: the
    # static files manifest is read per request, not when the URLconf is imported.
    path(
        "favicon.ico",
        RedirectView.as_view(url=lazy(static, str)("favicon.svg"), permanent=False),
        name="favicon",
    ),
]
