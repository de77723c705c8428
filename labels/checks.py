"""Start-up check: WeasyPrint needs HarfBuzz's subsetting library, or every CJK certificate
takes ~15 s to render instead of ~0.2 s (Debian package libharfbuzz-subset0)."""

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
    level = checks.Warning if settings.DEBUG else checks.Error
    return [
        level(
            "HarfBuzz subsetting (libharfbuzz-subset0) is not available to WeasyPrint.",
            hint="Install it: apt-get install libharfbuzz-subset0 (scripts/system-packages.sh).",
            id="labels.E001",
        )
    ]
