"""Staff sign-in pages, under /staff/ (the admin is at /staff/admin/)."""

from django.urls import path

from . import staff

app_name = "staff"

urlpatterns = [
    path("login/", staff.login_view, name="login"),
    path("logout/", staff.logout_view, name="logout"),
    path("verify/", staff.verify_view, name="verify"),
    path("enrol/", staff.enrol_view, name="enrol"),
    path("account/", staff.account_view, name="account"),
    path("account/backup-codes/", staff.backup_codes_view, name="backup_codes"),
]
