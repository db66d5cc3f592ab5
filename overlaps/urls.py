from django.urls import path

from . import views

app_name = "overlaps"

urlpatterns = [
    path("overlaps/", views.flag_list, name="flag-list"),
    path("overlaps/<int:pk>/", views.flag_detail, name="flag-detail"),
    path("overlaps/<int:pk>/decide/", views.flag_decide, name="flag-decide"),
    path("overlaps/<int:pk>/comment/", views.flag_comment, name="flag-comment"),
    path("overlaps/<int:pk>/initiative/", views.flag_initiative, name="flag-initiative"),
    path("overlaps/notifications/", views.notification_settings, name="notification-settings"),
    path("overlaps/activities/<int:pk>/cluster/", views.activity_cluster, name="activity-cluster"),
    # The entry form's similar-work panel, for a new activity and for one being edited.
    path("overlaps/similar/", views.similar_to_draft, name="similar-to-draft"),
    path("overlaps/similar/<int:pk>/", views.similar_to_draft, name="similar-to-draft"),
]
