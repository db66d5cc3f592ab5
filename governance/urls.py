from django.urls import path

from . import views

app_name = "governance"

urlpatterns = [
    path("governance/meetings/", views.meeting_list, name="meeting-list"),
    path("governance/meetings/export/", views.meeting_export, name="meeting-export"),
    path("governance/meetings/new/", views.meeting_create, name="meeting-create"),
    path("governance/meetings/<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path("governance/meetings/<int:pk>/edit/", views.meeting_edit, name="meeting-edit"),
    path("governance/meetings/<int:pk>/delete/", views.meeting_delete, name="meeting-delete"),
    path(
        "governance/meetings/<int:pk>/agenda/new/",
        views.agenda_item_create,
        name="agenda-item-create",
    ),
    path("governance/agenda-items/<int:pk>/edit/", views.agenda_item_edit, name="agenda-item-edit"),
    path(
        "governance/meetings/<int:pk>/action-points/new/",
        views.action_point_create,
        name="action-point-create",
    ),
    path("governance/action-points/", views.action_point_list, name="action-point-list"),
    path(
        "governance/action-points/export/",
        views.action_point_export,
        name="action-point-export",
    ),
    path(
        "governance/action-points/<int:pk>/",
        views.action_point_detail,
        name="action-point-detail",
    ),
    path(
        "governance/action-points/<int:pk>/edit/",
        views.action_point_edit,
        name="action-point-edit",
    ),
    path(
        "governance/action-points/<int:pk>/status/",
        views.action_point_status,
        name="action-point-status",
    ),
    path("governance/chairs/", views.chair_history, name="chair-history"),
    path("governance/working-groups/", views.working_group_list, name="working-group-list"),
    path(
        "governance/working-groups/new/",
        views.working_group_create,
        name="working-group-create",
    ),
    path(
        "governance/working-groups/<slug:slug>/",
        views.working_group_detail,
        name="working-group-detail",
    ),
    path(
        "governance/working-groups/<slug:slug>/edit/",
        views.working_group_edit,
        name="working-group-edit",
    ),
    path("governance/calendar/", views.calendar_settings, name="calendar-settings"),
    # The address is secrets.token_urlsafe, always a slug; anything else (a NUL that
    # PostgreSQL refuses in a lookup was a 500) is no address at all, a 404.
    path("governance/calendar/<slug:token>.ics", views.calendar_feed, name="calendar-feed"),
]
