from django.urls import path

from . import views

urlpatterns = [
    path("register/", views.RegisterView.as_view(), name="auth-register"),
    path("token/", views.TokenView.as_view(), name="auth-token"),
    path("token/refresh/", views.RefreshView.as_view(), name="auth-token-refresh"),
    path("logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("me/", views.MeView.as_view(), name="auth-me"),
    path("confirm-email/", views.ConfirmEmailView.as_view(), name="auth-confirm-email"),
    path("confirm-email/resend/", views.ResendConfirmationView.as_view(), name="auth-confirm-email-resend"),
    path("conditions/", views.ConditionsView.as_view(), name="auth-conditions"),
    path("password/", views.PasswordView.as_view(), name="auth-password"),
]
