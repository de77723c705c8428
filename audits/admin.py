from django.contrib import admin

from .models import (
    BlacklistEntry,
    Evaluation,
    Finding,
    PeerReview,
)


@admin.register(BlacklistEntry)
class BlacklistEntryAdmin(admin.ModelAdmin):
    """Entries end by their end date; they are never deleted."""

    list_display = ("subject", "reason", "source_document", "effective_from", "effective_to")
    search_fields = ("organisation__name", "person__username", "source_document", "reason")
    autocomplete_fields = ["organisation", "person"]
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


for model in (Evaluation, Finding, PeerReview):

    @admin.register(model)
    class ReadOnly(admin.ModelAdmin):
        def has_add_permission(self, request) -> bool:
            return False

        def has_change_permission(self, request, obj=None) -> bool:
            return False

        def has_delete_permission(self, request, obj=None) -> bool:
            return False
