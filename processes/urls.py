from django.urls import path

from . import views

app_name = "processes"

# The pages of their own come before processes/<slug>/; their words are reserved slugs
# (models.RESERVED_SLUGS), so no process hides them.
urlpatterns = [
    path("processes/", views.process_list, name="process-list"),
    path("processes/new/", views.process_create, name="process-create"),
    path("processes/contributions/", views.contribution_list, name="contribution-list"),
    path("processes/contributions/export/", views.contribution_export, name="contribution-export"),
    path(
        "processes/contributions/<int:pk>/",
        views.contribution_detail,
        name="contribution-detail",
    ),
    path(
        "processes/contributions/<int:pk>/edit/",
        views.contribution_edit,
        name="contribution-edit",
    ),
    path(
        "processes/contributions/<int:pk>/delete/",
        views.contribution_delete,
        name="contribution-delete",
    ),
    path("processes/events/<int:pk>/", views.event_detail, name="event-detail"),
    path("processes/events/<int:pk>/edit/", views.event_edit, name="event-edit"),
    path("processes/events/<int:pk>/delete/", views.event_delete, name="event-delete"),
    path(
        "processes/events/<int:pk>/contribute/",
        views.contribution_create,
        name="contribution-create",
    ),
    path(
        "processes/events/<int:pk>/joint-input/",
        views.joint_input_create,
        name="joint-input-create",
    ),
    path("processes/<slug:slug>/", views.process_detail, name="process-detail"),
    path("processes/<slug:slug>/edit/", views.process_edit, name="process-edit"),
    path("processes/<slug:slug>/delete/", views.process_delete, name="process-delete"),
    path("processes/<slug:slug>/events/new/", views.event_create, name="event-create"),
]
