"""The portal's URLs plus the load benchmark's baseline page (benchmarks/settings.py only)."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("bench/baseline/activities/", views.baseline_activities, name="bench-baseline"),
    path("", include("gmg_portal.urls")),
]
