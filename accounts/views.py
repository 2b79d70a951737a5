from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from config.errors import ServiceError
from config.parsers import StrictJSONParser
from config.schema import error_responses

from . import services
from .serializers import (
    ConditionsSerializer,
    ConfirmEmailSerializer,
    EmailConfirmedSerializer,
    LogoutSerializer,
    MeSerializer,
    PasswordChangeSerializer,
    PlatformTokenObtainPairSerializer,
    PlatformTokenRefreshSerializer,
    ProfileUpdateSerializer,
    RegisteredSerializer,
    RegisterSerializer,
)


class RegisterView(APIView):
    """Self-registration as a bidder. Answers with the profile and a first pair of tokens."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(request=RegisterSerializer, responses={201: RegisteredSerializer, **error_responses(400, 409, 429)})
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

    @extend_schema(
        request=ConfirmEmailSerializer, responses={200: EmailConfirmedSerializer, **error_responses(400, 429)}
    )
    def post(self, request):
        serializer = ConfirmEmailSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_confirm_email(token=serializer.validated_data["token"])
        return Response({"email_confirmed": user.email_confirmed, "vetting_status": user.vetting_status})


class ResendConfirmationView(APIView):
    """Mails a fresh confirmation link to the signed-in user's address."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={202: None, **error_responses(401, 409, 429)})
    def post(self, request):
        services.email_confirmation_resend(user=request.user)
        return Response(status=status.HTTP_202_ACCEPTED)


class ConditionsView(APIView):
    """The conditions of sale a registering bidder accepts, in the caller's language, with their version."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: ConditionsSerializer, **error_responses(429)})
    def get(self, request):
        language = "en" if translation.get_language() == "en" else "ja"
        text = render_to_string(f"accounts/conditions_of_sale.{language}.txt").strip()
        return Response({"version": settings.CONDITIONS_OF_SALE_VERSION, "text": text})


@extend_schema_view(
    post=extend_schema(
        responses={200: PlatformTokenObtainPairSerializer, **error_responses(400, 401, 429)},
        description="Signs in. Past LOGIN_FAILURE_LIMIT failed attempts for an account name or from an address, "
        "every attempt is refused with 429 `login_throttled` (and Retry-After) until the cool-off has passed.",
    )
)
class TokenView(TokenObtainPairView):
    serializer_class = PlatformTokenObtainPairSerializer


@extend_schema_view(
    post=extend_schema(responses={200: PlatformTokenRefreshSerializer, **error_responses(400, 401, 429)})
)
class RefreshView(TokenRefreshView):
    """Trades a refresh token for a new pair; the old refresh token is blacklisted (rotation)."""

    serializer_class = PlatformTokenRefreshSerializer


@extend_schema_view(get=extend_schema(responses={200: MeSerializer, **error_responses(401, 429)}))
class MeView(generics.RetrieveAPIView):
    """GET: one's own profile. PATCH: change one's e-mail address or language."""

    serializer_class = MeSerializer
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [StrictJSONParser]

    def get_object(self):
        return self.request.user

    @extend_schema(
        request=ProfileUpdateSerializer,
        responses={200: MeSerializer, **error_responses(400, 401, 429)},
    )
    def patch(self, request):
        serializer = ProfileUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_update_profile(user=request.user, **serializer.validated_data)
        return Response(MeSerializer(user).data)


class PasswordView(APIView):
    """A new password for the signed-in user, given the current one."""

    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [StrictJSONParser]

    @extend_schema(
        request=PasswordChangeSerializer,
        responses={204: None, **error_responses(400, 401, 429)},
        description="400 `wrong_password` when the current password is not right, `weak_password` when the new one "
        "fails the password rules.",
    )
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_change_password(user=request.user, **serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutView(APIView):
    """Blacklists the refresh token, so it can never mint another access token."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=LogoutSerializer, responses={205: None, **error_responses(400, 401, 429)})
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
