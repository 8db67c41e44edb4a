"""Staff sign-in pages, under /staff/ (the admin is at /staff/admin/)."""

from django.urls import path

from . import views

app_name = "staff"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("verify/", views.verify_view, name="verify"),
    path("enrol/", views.enrol_view, name="enrol"),
    path("account/", views.account_view, name="account"),
    path("account/recovery-key/", views.recovery_key_view, name="recovery_key"),
    path("account/key/", views.key_view, name="key"),
    path("account/backup-codes/", views.backup_codes_view, name="backup_codes"),
]
