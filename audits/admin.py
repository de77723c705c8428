from django.contrib import admin

from config.admin import ReadOnlyAdmin

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


class RecordMetadataAdmin(ReadOnlyAdmin):
    """Evaluation records, findings and peer reviews are confidential, like the dossier
    (certification.selectors.application_can_read_dossier): platform administrators do not read
    them, here or in the portal. Each shows only which file it belongs to, who, when and its
    status; nothing is changed here."""


@admin.register(Evaluation)
class EvaluationAdmin(RecordMetadataAdmin):
    fields = list_display = ("application", "updated_by", "updated_at")


@admin.register(Finding)
class FindingAdmin(RecordMetadataAdmin):
    fields = list_display = (
        "application",
        "surveillance",
        "number",
        "status",
        "raised_by",
        "raised_at",
        "due_on",
        "closed_at",
    )


@admin.register(PeerReview)
class PeerReviewAdmin(RecordMetadataAdmin):
    fields = list_display = (
        "application",
        "reviewer",
        "body",
        "assigned_by",
        "assigned_at",
        "declaration",
        "declared_at",
        "is_current",
    )
