from django.urls import path

from . import views

app_name = "library"

urlpatterns = [
    path("library/", views.item_list, name="list"),
    path("library/export/", views.item_export, name="export"),
    path("library/new/", views.item_create, name="create"),
    path("library/<int:pk>/", views.item_detail, name="detail"),
    path("library/<int:pk>/edit/", views.item_edit, name="edit"),
    path("library/<int:pk>/delete/", views.item_delete, name="delete"),
    path("library/<int:pk>/review/", views.item_review, name="review"),
    path("library/<int:pk>/file/", views.item_download, name="download"),
]
