from django.urls import path

from . import views

app_name = "states"

urlpatterns = [
    path("states/engagements/", views.engagement_list, name="engagement-list"),
    path("states/engagements/export/", views.engagement_export, name="engagement-export"),
    path("states/engagements/new/", views.engagement_create, name="engagement-create"),
    path("states/engagements/<int:pk>/", views.engagement_detail, name="engagement-detail"),
    path("states/engagements/<int:pk>/edit/", views.engagement_edit, name="engagement-edit"),
    path(
        "states/engagements/<int:pk>/follow-ups/new/",
        views.follow_up_create,
        name="follow-up-create",
    ),
    path("states/follow-ups/", views.follow_up_list, name="follow-up-list"),
    path("states/follow-ups/export/", views.follow_up_export, name="follow-up-export"),
    path("states/follow-ups/<int:pk>/edit/", views.follow_up_edit, name="follow-up-edit"),
    path("states/follow-ups/<int:pk>/done/", views.follow_up_done, name="follow-up-done"),
    path("states/requests/", views.request_list, name="request-list"),
    path("states/requests/export/", views.request_export, name="request-export"),
    path("states/requests/new/", views.request_create, name="request-create"),
    path("states/requests/<int:pk>/", views.request_detail, name="request-detail"),
    path("states/requests/<int:pk>/edit/", views.request_edit, name="request-edit"),
    path(
        "states/requests/<int:pk>/<str:step>/",
        views.request_step,
        name="request-step",
    ),
]
