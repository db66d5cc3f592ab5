from django.urls import path

from . import views

app_name = "agencies"

urlpatterns = [
    path("invitations/", views.invitation_list, name="invitation-list"),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="invitation-resend"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("invitations/accept/<str:token>/", views.invitation_accept, name="invitation-accept"),
    # Under the agency's own page (gmg_portal.urls: agencies/<slug>/), which it does not shadow.
    path("agencies/<slug:slug>/people/", views.person_list, name="person-list"),
    path("people/security-log/", views.security_log, name="security-log"),
    path("people/<int:pk>/role/", views.person_role, name="person-role"),
    path("people/<int:pk>/deactivate/", views.person_deactivate, name="person-deactivate"),
    path("people/<int:pk>/reactivate/", views.person_reactivate, name="person-reactivate"),
]
