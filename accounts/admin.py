from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import ApiKey, Invitation, Membership, Organisation, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Platform", {"fields": ("display_name", "language", "last_language")}),
    )
    list_display = ("username", "email", "display_name", "is_active", "last_login")
    search_fields = ("username", "email", "display_name")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "uscc", "code", "scheme", "status")
    list_filter = ("kind", "status", "scheme", "province")
    search_fields = ("name", "legal_name", "uscc", "code")
    filter_horizontal = ("accredited_categories",)
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "organisation", "role", "created_at", "expires_at", "accepted_at")
    readonly_fields = ("token_hash",)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created by marketplaces in the portal; here they can only be looked at."""

    list_display = ("name", "organisation", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = [f.name for f in ApiKey._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        """A key is revoked in the portal, never deleted: its revocation is what the record
        keeps and what the label cache in front follows (it bans the key's kept answers)."""
        return False
