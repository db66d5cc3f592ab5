from django.urls import path

from . import views

app_name = "capacity"

urlpatterns = [
    path("capacity/trainings/", views.training_list, name="training-list"),
    path("capacity/trainings/export/", views.training_export, name="training-export"),
    path("capacity/trainings/new/", views.training_create, name="training-create"),
    path("capacity/trainings/<int:pk>/", views.training_detail, name="training-detail"),
    path("capacity/trainings/<int:pk>/edit/", views.training_edit, name="training-edit"),
    path("capacity/trainings/<int:pk>/delete/", views.training_delete, name="training-delete"),
    path("capacity/transfers/", views.transfer_list, name="transfer-list"),
    path("capacity/transfers/export/", views.transfer_export, name="transfer-export"),
    path("capacity/transfers/new/", views.transfer_create, name="transfer-create"),
    path("capacity/transfers/<int:pk>/", views.transfer_detail, name="transfer-detail"),
    path("capacity/transfers/<int:pk>/edit/", views.transfer_edit, name="transfer-edit"),
    path("capacity/transfers/<int:pk>/delete/", views.transfer_delete, name="transfer-delete"),
]
