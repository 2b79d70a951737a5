import re
import unicodedata

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer

from .login_throttle import LoginThrottled, is_locked_out
from .models import Language, User, VettingStatus
from .services import email_in_use


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


# Katakana or hiragana, with the long-vowel mark, the middle dot, iteration marks and spaces (half or full width).
KANA_RE = re.compile(r"^[ぁ-ゖァ-ヺー・ゝゞヽヾ゛゜ 　]+\Z")
PHONE_RE = re.compile(r"^\+?[0-9 ()-]+\Z")
PHONE_DIGITS = (10, 15)  # a Japanese number has 10 or 11 digits; with a country code, up to E.164's 15


class RegisterSerializer(serializers.Serializer):
    username = StrictRegexField(r"^[\w.@+-]+\Z", max_length=150, min_length=3)
    email = StrictEmailField(max_length=254)
    password = password_field()
    full_name = StrictCharField(max_length=100, help_text="Full name as on official documents (氏名).")
    full_name_kana = StrictCharField(max_length=100, help_text="The reading of the full name in kana (フリガナ).")
    phone = StrictCharField(max_length=30)
    address = StrictCharField(max_length=300)
    conditions_version = StrictCharField(
        max_length=32,
        allow_blank=True,
        help_text="The version of the conditions of sale accepted: the current one (GET /api/auth/conditions/).",
    )
    first_name = StrictCharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = StrictCharField(max_length=150, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(choices=Language.choices, required=False, default=Language.JAPANESE)

    def validate_username(self, value: str) -> str:
        if User.objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError(_("This username is already taken."), code="username_taken")
        return value

    def validate_email(self, value: str) -> str:
        if email_in_use(value):
            raise serializers.ValidationError(
                _("An account with this e-mail address already exists."), code="email_taken"
            )
        return value

    def validate_full_name_kana(self, value: str) -> str:
        value = unicodedata.normalize("NFKC", value)  # half-width katakana to full width
        if not KANA_RE.match(value):
            raise serializers.ValidationError(_("Write the reading in katakana or hiragana."), code="invalid_kana")
        return value

    def validate_phone(self, value: str) -> str:
        value = unicodedata.normalize("NFKC", value)  # full-width digits and hyphens to ASCII
        digits = sum(ch.isdigit() for ch in value)
        if not PHONE_RE.match(value) or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
            raise serializers.ValidationError(_("Enter a phone number, e.g. 03-1234-5678."), code="invalid_phone")
        return value

    def validate_conditions_version(self, value: str) -> str:
        if value != settings.CONDITIONS_OF_SALE_VERSION:
            raise serializers.ValidationError(
                _("Please read and accept the current conditions of sale."), code="conditions_not_accepted"
            )
        return value

    def validate(self, attrs):
        candidate = User(username=attrs["username"], email=attrs["email"])
        try:
            password_validation.validate_password(attrs["password"], candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}, code="weak_password") from exc
        return attrs


class MeSerializer(serializers.ModelSerializer):
    email_confirmed = serializers.BooleanField(read_only=True)
    vetting_status = serializers.ChoiceField(
        choices=VettingStatus.choices,
        read_only=True,
        help_text="A bidder's standing: email_unconfirmed, under_review (an organizer has yet to approve), approved; "
        "not_applicable for the other roles.",
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "full_name",
            "full_name_kana",
            "phone",
            "address",
            "role",
            "paddle_number",
            "is_approved_to_bid",
            "credit_limit",
            "language",
            "is_staff",
            "email_confirmed",
            "vetting_status",
            "conditions_version",
            "conditions_accepted_at",
        ]
        read_only_fields = fields


class RegisteredSerializer(serializers.Serializer):
    user = MeSerializer()
    access = serializers.CharField()
    refresh = serializers.CharField()


# Our tokens are a few hundred characters; anything much longer is not one of them.
TOKEN_MAX_LENGTH = 4096


class ConfirmEmailSerializer(serializers.Serializer):
    token = StrictCharField(max_length=TOKEN_MAX_LENGTH, help_text="The token from the link in the e-mail.")


class EmailConfirmedSerializer(serializers.Serializer):
    email_confirmed = serializers.BooleanField()
    vetting_status = serializers.ChoiceField(choices=VettingStatus.choices)


class ConditionsSerializer(serializers.Serializer):
    version = serializers.CharField()
    text = serializers.CharField()


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


class ProfileUpdateSerializer(serializers.Serializer):
    """What a user may change about themselves: the e-mail address and the language of the site and e-mails."""

    email = StrictEmailField(max_length=254, required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)


class PasswordChangeSerializer(serializers.Serializer):
    current_password = password_field()
    new_password = password_field()
