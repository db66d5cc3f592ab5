from django.urls import path

from . import views

app_name = "initiatives"

urlpatterns = [
    path("initiatives/", views.initiative_list, name="initiative-list"),
    path("initiatives/export/", views.initiative_export, name="export"),
    path("initiatives/new/", views.initiative_create, name="create"),
    path("initiatives/<int:pk>/", views.initiative_detail, name="detail"),
    path("initiatives/<int:pk>/edit/", views.initiative_edit, name="edit"),
    path("initiatives/<int:pk>/status/", views.initiative_transition, name="transition"),
    path("initiatives/<int:pk>/invite/", views.initiative_invite, name="invite"),
    path("initiatives/<int:pk>/answer/", views.initiative_answer, name="answer"),
    path("initiatives/<int:pk>/milestones/new/", views.milestone_add, name="milestone-add"),
    path(
        "initiatives/<int:pk>/milestones/<int:milestone_pk>/done/",
        views.milestone_done,
        name="milestone-done",
    ),
    path("initiatives/<int:pk>/delete/", views.initiative_delete, name="delete"),
    path("initiatives/<int:pk>/restore/", views.initiative_restore, name="restore"),
]
