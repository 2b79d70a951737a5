from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer

from .login_throttle import LoginThrottled, is_locked_out
from .models import Language, User


class StrictStringMixin:
    """Only a JSON string is text: DRF's CharField would take 12345678 as the password "12345678"."""

    default_error_messages = {"not_a_string": _("Not a valid string.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(self.error_messages["not_a_string"], code="invalid")
        return super().to_internal_value(data)


class StrictCharField(StrictStringMixin, serializers.CharField):
    pass


class StrictRegexField(StrictStringMixin, serializers.RegexField):
    pass


class StrictEmailField(StrictStringMixin, serializers.EmailField):
    pass


def password_field(**kwargs) -> StrictCharField:
    return StrictCharField(write_only=True, max_length=128, style={"input_type": "password"}, **kwargs)


class RegisterSerializer(serializers.Serializer):
    username = StrictRegexField(r"^[\w.@+-]+\Z", max_length=150, min_length=3)
    email = StrictEmailField(max_length=254)
    password = password_field()
    first_name = StrictCharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = StrictCharField(max_length=150, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(choices=Language.choices, required=False, default=Language.JAPANESE)

    def validate_username(self, value: str) -> str:
        if User.objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError(_("This username is already taken."), code="username_taken")
        return value

    def validate(self, attrs):
        candidate = User(username=attrs["username"], email=attrs["email"])
        try:
            password_validation.validate_password(attrs["password"], candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}, code="weak_password") from exc
        return attrs


class MeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "role",
            "paddle_number",
            "is_approved_to_bid",
            "credit_limit",
            "language",
            "is_staff",
        ]
        read_only_fields = fields


class RegisteredSerializer(serializers.Serializer):
    user = MeSerializer()
    access = serializers.CharField()
    refresh = serializers.CharField()


# Our tokens are a few hundred characters; anything much longer is not one of them.
TOKEN_MAX_LENGTH = 4096


class LogoutSerializer(serializers.Serializer):
    refresh = StrictCharField(max_length=TOKEN_MAX_LENGTH)


class PlatformTokenRefreshSerializer(TokenRefreshSerializer):
    refresh = StrictCharField(max_length=TOKEN_MAX_LENGTH)


class PlatformTokenObtainPairSerializer(TokenObtainPairSerializer):
    """Adds the role to the tokens so clients can shape their screens without a second request."""

    username_field = User.USERNAME_FIELD

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.username_field] = StrictCharField(write_only=True, max_length=150)
        self.fields["password"] = password_field()

    def validate(self, attrs):
        try:
            return super().validate(attrs)
        except AuthenticationFailed:
            # django-axes refused the sign-in (or this failure reached the limit): say so, the same way for every
            # account name, known or not.
            if is_locked_out(self.context.get("request")):
                raise LoginThrottled() from None
            raise

    @classmethod
    def get_token(cls, user):
        token = super().get_token(user)
        token["role"] = user.role
        return token
