from django.contrib import admin

from config.admin import ReadOnlyAdmin

from .models import Label, LabelEvent, SigningKey, StatusList


@admin.register(Label)
class LabelAdmin(ReadOnlyAdmin):
    """Labels change only through the body's actions in the portal (signed and recorded)."""

    list_display = ("serial", "certificate", "status", "issued_at", "valid_until")
    list_filter = ("status",)
    search_fields = ("serial", "gtin", "certificate__number")


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    list_display = ("body", "fragment", "created_at", "retired_at", "revoked_at")
    exclude = ("private_key_encrypted",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


admin.site.register(LabelEvent, ReadOnlyAdmin)
admin.site.register(StatusList, ReadOnlyAdmin)
