"""A complete self-registration body, as the SPA sends it."""

from django.conf import settings


def registration(**overrides) -> dict:
    body = {
        "username": "hanako",
        "email": "hanako@example.jp",
        "password": "S3cure-Paddock!",
        "language": "ja",
        "full_name": "佐藤 花子",
        "full_name_kana": "サトウ ハナコ",
        "phone": "03-1234-5678",
        "address": "東京都港区芝公園4-2-8",
        "conditions_version": getattr(settings, "CONDITIONS_OF_SALE_VERSION", ""),
    }
    body.update(overrides)
    return body
