from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("search/", views.search, name="search"),
    path("agencies/", views.agency_list, name="agency-list"),
    path("agencies/<slug:slug>/", views.agency_detail, name="agency-detail"),
    path("priorities/", views.priority_list, name="priority-list"),
    path("priorities/<slug:code>/", views.priority_detail, name="priority-detail"),
    path("", include("activities.urls")),
    path("", include("initiatives.urls")),
    path("", include("agencies.urls")),
    path("", include("overlaps.urls")),
    path("", include("digests.urls")),
    path("accounts/", include("allauth.urls")),
    # Before the admin's own URLs: its login form has no throttle (see views.admin_login).
    path("admin/login/", views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("healthz/", views.healthz, name="healthz"),
]
