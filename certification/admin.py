"""Read-mostly admin: domain state changes go through the services (the portal and the API),
so applications, events and certificates are shown here, not edited."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from config.admin import ReadOnlyAdmin

from .models import (
    Application,
    ApplicationEvent,
    Certificate,
    DossierVersion,
    EvidenceFile,
    Notification,
    Product,
    ProductCategory,
)


@admin.register(ProductCategory)
class ProductCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "level", "parent", "allows_families")
    list_filter = ("allows_families",)
    search_fields = ("code", "name_zh", "name_en")


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ("name", "model", "gtin", "enterprise", "category")
    search_fields = ("name", "model", "gtin")


class EventInline(admin.TabularInline):
    model = ApplicationEvent
    extra = 0
    can_delete = False
    readonly_fields = ("actor", "action", "from_status", "to_status", "comment", "created_at")


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "product",
        "enterprise",
        "certification_body",
        "status",
        "updated_at",
    )
    list_filter = ("status", "scheme", "certification_body")
    search_fields = ("reference", "product__name", "enterprise__name")
    inlines = [EventInline]


@admin.register(EvidenceFile)
class EvidenceFileAdmin(ReadOnlyAdmin):
    # The admin would link the file by its storage URL: nothing serves MEDIA_ROOT and the object
    # store is private. The portal's download checks who asks; here, only the stored name.
    exclude = ("file",)
    readonly_fields = ("stored_as",)

    @admin.display(description=_("stored as"))
    def stored_as(self, evidence: EvidenceFile) -> str | None:
        return evidence.file.name


@admin.register(DossierVersion)
class DossierVersionAdmin(ReadOnlyAdmin):
    """Which versions a file has and when each was frozen. Their contents are confidential
    (certification.selectors.application_can_read_dossier): platform administrators do not read
    them, here or in the portal."""

    fields = list_display = ("application", "number", "frozen_at", "created_at")


admin.site.register(Certificate, ReadOnlyAdmin)
admin.site.register(Notification, ReadOnlyAdmin)
