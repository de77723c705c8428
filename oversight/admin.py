from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Appeal, AppealEvent, Complaint, ComplaintEvent


class ProcedureRecordAdmin(admin.ModelAdmin):
    """Complaints and appeals change only through their services (tables, guards, events)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Complaint)
class ComplaintAdmin(ProcedureRecordAdmin):
    # As for evidence: no link to the stored attachment, whose storage URL serves nothing; the
    # portal's download checks who asks.
    exclude = ("attachment",)
    readonly_fields = ("attachment_stored_as",)

    @admin.display(description=_("attachment stored as"))
    def attachment_stored_as(self, complaint: Complaint) -> str | None:
        return complaint.attachment.name


for procedure_model in (ComplaintEvent, Appeal, AppealEvent):
    admin.site.register(procedure_model, ProcedureRecordAdmin)
