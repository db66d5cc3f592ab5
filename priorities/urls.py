from django.urls import path

from . import views

app_name = "priorities"

urlpatterns = [
    path("priorities/", views.priority_list, name="list"),
    path("priorities/<slug:code>/", views.priority_detail, name="detail"),
]
