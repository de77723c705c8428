"""Role names and the organisation kinds they belong to: one place for both."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OrganisationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    CERTIFICATION_BODY = "certification_body", _("Certification body")
    REGULATOR = "regulator", pgettext_lazy("organisation kind", "Regulator")
    MARKETPLACE = "marketplace", _("Marketplace")
    PLATFORM = "platform", _("Platform operator")


class Role(models.TextChoices):
    ENTERPRISE_ADMIN = "enterprise_admin", _("Enterprise administrator")
    ENTERPRISE_MEMBER = "enterprise_member", _("Enterprise member")
    BODY_ADMIN = "body_admin", _("Certification body administrator")
    REVIEWER = "reviewer", _("Reviewer (evaluation team)")
    TECHNICAL_REVIEWER = "technical_reviewer", _("Technical reviewer")
    DECISION_MAKER = "decision_maker", _("Decision maker")
    REGULATOR = "regulator", _("Regulator")
    MARKETPLACE_ADMIN = "marketplace_admin", _("Marketplace administrator")
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")


ROLES_BY_KIND: dict[str, set[str]] = {
    OrganisationKind.ENTERPRISE: {Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_MEMBER},
    OrganisationKind.CERTIFICATION_BODY: {
        Role.BODY_ADMIN,
        Role.REVIEWER,
        Role.TECHNICAL_REVIEWER,
        Role.DECISION_MAKER,
    },
    OrganisationKind.REGULATOR: {Role.REGULATOR},
    OrganisationKind.MARKETPLACE: {Role.MARKETPLACE_ADMIN},
    OrganisationKind.PLATFORM: {Role.PLATFORM_ADMIN},
}

ADMIN_ROLES = {Role.ENTERPRISE_ADMIN, Role.BODY_ADMIN, Role.MARKETPLACE_ADMIN, Role.PLATFORM_ADMIN}


class ApiScope(models.TextChoices):
    """What an API key may do, named `<scope>:<resource>:<action>`."""

    LABELS_READ = "api:labels:read", _("Look up labels")
    WEBHOOKS_MANAGE = "api:webhooks:manage", _("Manage webhook subscriptions")


# Who certifies, supervises, sanctions or runs the platform: these people sign in with a second
# factor (docs/operations.md, "Multi-factor authentication"). Superusers and Django staff too.
SECOND_FACTOR_ROLES = {
    Role.BODY_ADMIN,
    Role.REVIEWER,
    Role.TECHNICAL_REVIEWER,
    Role.DECISION_MAKER,
    Role.REGULATOR,
    Role.PLATFORM_ADMIN,
}
