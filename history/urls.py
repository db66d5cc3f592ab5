from django.urls import path

from . import views

app_name = "history"

urlpatterns = [
    path("history/<slug:kind>/<int:pk>/", views.record_history, name="record"),
]
