from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from config.errors import ServiceError

from . import services
from .serializers import (
    ConditionsSerializer,
    ConfirmEmailSerializer,
    EmailConfirmedSerializer,
    LogoutSerializer,
    MeSerializer,
    PlatformTokenObtainPairSerializer,
    PlatformTokenRefreshSerializer,
    RegisteredSerializer,
    RegisterSerializer,
)


class RegisterView(APIView):
    """Self-registration as a bidder. Answers with the profile and a first pair of tokens."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(request=RegisterSerializer, responses={201: RegisteredSerializer})
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(**serializer.validated_data)
        refresh = PlatformTokenObtainPairSerializer.get_token(user)
        body = {"user": MeSerializer(user).data, "access": str(refresh.access_token), "refresh": str(refresh)}
        return Response(body, status=status.HTTP_201_CREATED)


class ConfirmEmailView(APIView):
    """Confirms the e-mail address named by the token in the link that registration mailed. Needs no sign-in: the
    link may be opened on another device."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(request=ConfirmEmailSerializer, responses={200: EmailConfirmedSerializer})
    def post(self, request):
        serializer = ConfirmEmailSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_confirm_email(token=serializer.validated_data["token"])
        return Response({"email_confirmed": user.email_confirmed, "vetting_status": user.vetting_status})


class ResendConfirmationView(APIView):
    """Mails a fresh confirmation link to the signed-in user's address."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={202: None})
    def post(self, request):
        services.email_confirmation_resend(user=request.user)
        return Response(status=status.HTTP_202_ACCEPTED)


class ConditionsView(APIView):
    """The conditions of sale a registering bidder accepts, in the caller's language, with their version."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: ConditionsSerializer})
    def get(self, request):
        language = "en" if translation.get_language() == "en" else "ja"
        text = render_to_string(f"accounts/conditions_of_sale.{language}.txt").strip()
        return Response({"version": settings.CONDITIONS_OF_SALE_VERSION, "text": text})


class TokenView(TokenObtainPairView):
    serializer_class = PlatformTokenObtainPairSerializer


class RefreshView(TokenRefreshView):
    """Trades a refresh token for a new pair; the old refresh token is blacklisted (rotation)."""

    serializer_class = PlatformTokenRefreshSerializer


class MeView(generics.RetrieveAPIView):
    serializer_class = MeSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_object(self):
        return self.request.user


class LogoutView(APIView):
    """Blacklists the refresh token, so it can never mint another access token."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=LogoutSerializer, responses={205: None})
    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            token = RefreshToken(serializer.validated_data["refresh"])
        except TokenError as exc:
            raise ServiceError(str(exc), code="token_not_valid") from exc
        if str(token.get("user_id")) != str(request.user.pk):
            raise ServiceError(code="token_not_valid")
        token.blacklist()
        return Response(status=status.HTTP_205_RESET_CONTENT)
