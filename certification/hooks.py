"""What certification asks of the apps above it (`config/hooks.py`): of labels, the label of an
approved application (answered in `labels/apps.py`); of oversight, and labels too, about a
certificate's surveillance and an appeal against a refusal (answered in `oversight/apps.py`)."""

from datetime import date

from accounts.models import User
from config.hooks import Hook

from .models import Application, Certificate, DossierVersion

# Issue the label of a certificate just approved: called once the approval has committed, it
# queues the task that issues it (the work must survive a crash of the web process).
certificate_approved: Hook[[int], object] = Hook("certification.hooks.certificate_approved")
# A new certificate's scheduled surveillances, and the first due date it shows.
surveillance_schedule_create: Hook[[Certificate], object] = Hook(
    "certification.hooks.surveillance_schedule_create"
)
# A certificate no longer in force (or replaced by its renewal) is not surveilled: its open
# surveillances close with the outcome (a `SurveillanceOutcome`), and its next due date goes.
surveillances_close: Hook[[Certificate, str], object] = Hook(
    "certification.hooks.surveillances_close"
)
# A certificate back in force (reinstated on appeal) takes up the surveillances its schedule
# still holds after the date; its next due date.
surveillance_schedule_resume: Hook[[Certificate, date], date | None] = Hook(
    "certification.hooks.surveillance_schedule_resume"
)
# Whether a running surveillance collects the latest activity data in this (open) version.
surveillance_collects_data: Hook[[DossierVersion], bool] = Hook(
    "certification.hooks.surveillance_collects_data"
)
# Whether the person overturned the application's refusal on appeal and the appeal service is
# applying that now (the guard of reopening a refused application).
refusal_overturned_on_appeal: Hook[[Application, User], bool] = Hook(
    "certification.hooks.refusal_overturned_on_appeal"
)
