from django.urls import path

from . import views

app_name = "positions"

urlpatterns = [
    path("positions/", views.position_list, name="list"),
    path("positions/export/", views.position_export, name="export"),
    path("positions/new/", views.position_create, name="create"),
    path("positions/<int:pk>/", views.position_detail, name="detail"),
    path("positions/<int:pk>/edit/", views.position_edit, name="edit"),
    path("positions/<int:pk>/versions/<int:number>/", views.position_version, name="version"),
    path("positions/<int:pk>/compare/", views.position_compare, name="compare"),
    path("positions/<int:pk>/stage/", views.position_stage, name="stage"),
    path("positions/<int:pk>/deadline/", views.position_deadline, name="deadline"),
    path("positions/<int:pk>/comments/", views.comment_add, name="comment"),
    path(
        "positions/<int:pk>/comments/<int:comment_pk>/reply/",
        views.comment_reply,
        name="reply",
    ),
    path("positions/<int:pk>/endorse/", views.endorsement_answer, name="answer"),
    path("positions/<int:pk>/published/", views.position_published, name="published"),
]
