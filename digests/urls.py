from django.urls import path

from . import views

app_name = "digests"

urlpatterns = [
    path("digests/", views.archive, name="archive"),
    path("digests/preferences/", views.preferences, name="preferences"),
    path("digests/preview/", views.preview, name="preview"),
    path("digests/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("digests/<int:pk>/", views.detail, name="detail"),
]
