"""Staff sign-in pages, under /staff/ (the admin is at /staff/admin/)."""

from django.urls import path

from . import views, views_passkeys

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
    path("account/passkeys/rename/", views_passkeys.passkey_rename_view, name="passkey_rename"),
    path("account/passkeys/remove/", views_passkeys.passkey_remove_view, name="passkey_remove"),
]
