from django.contrib import admin

from config.admin import ReadOnlyAdmin

from .models import Appeal, AppealEvent, Complaint, ComplaintEvent


class ProcedureRecordAdmin(ReadOnlyAdmin):
    """Complaints and appeals change only through their services (tables, guards, events). What
    they say is for the body concerned and the regulator (the portal's selectors): here, only
    their reference, parties, status and dates; not the complaint's description, contact,
    complainant or attachment, the reasons of an appeal or a decision, nor the events' comments.
    """


@admin.register(Complaint)
class ComplaintAdmin(ProcedureRecordAdmin):
    fields = list_display = (
        "reference",
        "label",
        "certificate",
        "body",
        "category",
        "status",
        "handler",
        "outcome",
        "created_at",
        "acknowledge_due",
        "decision_due",
        "acknowledged_at",
        "decided_at",
        "closed_at",
    )


@admin.register(ComplaintEvent)
class ComplaintEventAdmin(ProcedureRecordAdmin):
    fields = list_display = (
        "complaint",
        "actor",
        "action",
        "from_status",
        "to_status",
        "created_at",
    )


@admin.register(Appeal)
class AppealAdmin(ProcedureRecordAdmin):
    fields = list_display = (
        "reference",
        "kind",
        "enterprise",
        "body",
        "application",
        "label",
        "status",
        "filed_by",
        "decision_at",
        "decider",
        "decided_at",
        "created_at",
    )


@admin.register(AppealEvent)
class AppealEventAdmin(ProcedureRecordAdmin):
    fields = list_display = ("appeal", "actor", "action", "from_status", "to_status", "created_at")
