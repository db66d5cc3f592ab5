from django.urls import path

from . import views

app_name = "agencies"

urlpatterns = [
    path("invitations/", views.invitation_list, name="invitation-list"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="invitation-resend"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("invitations/accept/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
