"""The operator's view of PACT partners and exchanged events. Clients are created with
`manage.py pact_client_create`, which shows the secret once; here they are managed."""

from django.contrib import admin

from .models import InboundEvent, OutboundEvent, PartnerClient


@admin.register(PartnerClient)
class PartnerClientAdmin(admin.ModelAdmin):
    list_display = ("name", "client_id", "organisation", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "client_id")
    filter_horizontal = ("data_owners",)
    readonly_fields = ("client_id", "secret_hash", "created_at")

    def has_add_permission(self, request) -> bool:
        return False  # the command creates clients, so the secret is generated and shown once


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ("received_at", "client", "spec", "kind", "event_id")
    list_filter = ("kind", "spec")
    readonly_fields = [field.name for field in InboundEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(OutboundEvent)
class OutboundEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "request", "kind", "status", "attempts", "last_status_code")
    list_filter = ("status", "kind")
    readonly_fields = [field.name for field in OutboundEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
