from django.urls import path

from . import views

app_name = "initiatives"

urlpatterns = [
    path("activities/", views.activity_list, name="activity-list"),
    path("activities/new/", views.activity_create, name="activity-create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity-detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity-edit"),
    path("activities/<int:pk>/delete/", views.activity_delete, name="activity-delete"),
    path("initiatives/", views.initiative_list, name="initiative-list"),
    path("initiatives/<int:pk>/", views.initiative_detail, name="detail"),
]
