"""Start-up checks: WeasyPrint needs HarfBuzz's subsetting library, or every CJK certificate
takes ~15 s to render instead of ~0.2 s (Debian package libharfbuzz-subset0); and a deployment
never runs the VC-API test issuer."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.compatibility)
def harfbuzz_subset_check(app_configs, **kwargs):
    try:
        from .rendering.certificate import harfbuzz_subset_available

        available = harfbuzz_subset_available()
    except Exception:  # WeasyPrint itself failed to load its system libraries
        available = False
    if available:
        return []
    level = checks.Warning if settings.EMBEDDED else checks.Error
    return [
        level(
            "HarfBuzz subsetting (libharfbuzz-subset0) is not available to WeasyPrint.",
            hint="Install it: apt-get install libharfbuzz-subset0 (scripts/system-packages.sh).",
            id="labels.E001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def conformance_issuer_deploy_check(app_configs, **kwargs):
    """`check --deploy`: the test issuer signs whatever it is sent, and the verifier trusts it."""
    if not getattr(settings, "VC_API_TEST_ISSUER", False):
        return []
    return [
        checks.Error(
            "VC_API_TEST_ISSUER is on: anyone can have credentials signed by a did:key that this "
            "platform's verifier trusts.",
            hint="Unset VC_API_TEST_ISSUER; it is for a local instance under a conformance suite.",
            id="labels.E002",
        )
    ]
