"""What audits asks of oversight, which sits above it (`config/hooks.py`); oversight answers in
`oversight/apps.py`."""

from config.hooks import Hook

from .models import BlacklistEntry

# A listing's effects beyond the gates (a listed body's open files frozen and their enterprises
# told, its labels flagged for review), in the listing's transaction.
blacklist_listing_effects: Hook[[BlacklistEntry], None] = Hook(
    "audits.hooks.blacklist_listing_effects"
)
