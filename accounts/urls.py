from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.views import (
    api_tokens,
    login,
    passwords,
    personal_data,
    profile,
    registration,
    terms,
    two_factor,
)

app_name = "accounts"

urlpatterns = [
    path("", profile.profile, name="profile"),
    path("jetons/", api_tokens.api_token_create, name="api_token_create"),
    path("jetons/<int:pk>/revoquer/", api_tokens.api_token_revoke, name="api_token_revoke"),
    path(
        "donnees-personnelles/",
        personal_data.personal_data_download,
        name="personal_data_download",
    ),
    path("fermeture/", personal_data.account_close, name="account_close"),
    path("inscription/", registration.register, name="register"),
    path("inscription/envoyee/", registration.register_done, name="register_done"),
    # Before activation/<token>/, which would match these paths too.
    path(
        "activation/nouveau-lien/",
        registration.resend_activation,
        name="resend_activation",
    ),
    path(
        "activation/nouveau-lien/envoye/",
        registration.resend_activation_done,
        name="resend_activation_done",
    ),
    path("activation/<str:token>/", registration.activate, name="activate"),
    path("connexion/", login.LoginView.as_view(), name="login"),
    path("connexion/code/", login.login_otp, name="login_otp"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("cgu/", terms.terms, name="terms"),
    path("mot-de-passe/", passwords.PasswordChangeView.as_view(), name="password_change"),
    path(
        "mot-de-passe/modifie/",
        passwords.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("mot-de-passe/oublie/", passwords.PasswordResetView.as_view(), name="password_reset"),
    path(
        "mot-de-passe/oublie/envoye/",
        passwords.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/reinitialisation/<uidb64>/<token>/",
        passwords.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/reinitialisation/terminee/",
        passwords.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("double-authentification/", two_factor.two_factor, name="two_factor"),
    path(
        "double-authentification/confirmer/",
        two_factor.two_factor_confirm,
        name="two_factor_confirm",
    ),
    path(
        "double-authentification/codes-de-secours/",
        two_factor.recovery_codes_renew,
        name="recovery_codes_renew",
    ),
    path(
        "double-authentification/desactiver/",
        two_factor.two_factor_disable,
        name="two_factor_disable",
    ),
]
