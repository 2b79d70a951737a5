from rest_framework import serializers

from .models import Notification, Watch


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "auction", "data", "created_at", "read", "read_at"]

    def get_read(self, notification) -> bool:
        return notification.read_at is not None


class WatchSerializer(serializers.ModelSerializer):
    class Meta:
        model = Watch
        fields = ["auction", "created_at"]
