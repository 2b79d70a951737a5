"""Messages of our libraries that reach API clients but have no Japanese translation of their own.

SimpleJWT ships no Japanese catalogue, and DRF's lacks a few strings. Listing them here with gettext_noop
lets `manage.py makemessages` carry them into locale/ja/LC_MESSAGES/django.po, where they are translated;
our catalogue comes first in LOCALE_PATHS, so it also overrides the odd stiff DRF translation. Nothing
imports this module.
"""

from django.utils.translation import gettext_noop

SIMPLEJWT = (
    gettext_noop("Authorization header must contain two space-delimited values"),
    gettext_noop("Given token not valid for any token type"),
    gettext_noop("Token contained no recognizable user identification"),
    gettext_noop("User not found"),
    gettext_noop("User is inactive"),
    gettext_noop("The user's password has been changed."),
    gettext_noop("Token is invalid"),
    gettext_noop("Token is expired"),
    gettext_noop("Token is invalid or expired"),
    gettext_noop("Invalid algorithm specified"),
    gettext_noop("No active account found with the given credentials"),
    gettext_noop("No active account found for the given token."),
    gettext_noop("Token is blacklisted"),
    gettext_noop("Cannot create token with no type or lifetime"),
    gettext_noop("Token has no id"),
    gettext_noop("Token has no type"),
    gettext_noop("Token has wrong type"),
    gettext_noop("Token has no '{}' claim"),
    gettext_noop("Token '{}' claim has expired"),
)

DRF = (
    gettext_noop("Invalid input."),
    gettext_noop("Request was throttled."),
    gettext_noop("Expected available in {wait} second."),
    gettext_noop("Expected available in {wait} seconds."),
    gettext_noop("Must be a valid boolean."),
    gettext_noop("Not a valid string."),
    gettext_noop("Must be a valid UUID."),
    gettext_noop("A valid biginteger is required."),
    gettext_noop("Datetime value out of range."),
    gettext_noop('Invalid datetime for the timezone "{timezone}".'),
    gettext_noop("Ensure this field has at least {min_length} elements."),
    gettext_noop("Ensure this field has no more than {max_length} elements."),
    gettext_noop("This dictionary may not be empty."),
    gettext_noop("Surrogate characters are not allowed: U+{code_point:X}."),
)
