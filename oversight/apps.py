from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "oversight"
    label = "oversight"

    def ready(self) -> None:
        # The apps below oversight ask it what they may not import (`config/hooks.py`): the
        # effects of a listing, a certificate's surveillance, the appeals and re-inspections that
        # let a person change an application or a label. Each hook has one answer, here.
        from audits import hooks as audits_hooks
        from certification import hooks as certification_hooks
        from labels import hooks as labels_hooks

        from .appeals.selectors import (
            refusal_overturned_on_appeal,
            withdrawal_overturned_on_appeal,
        )
        from .blacklist import blacklist_listing_effects
        from .sampling import reinspection_assigned
        from .supervision.schedule import (
            surveillance_schedule_create,
            surveillance_schedule_resume,
            surveillances_close,
        )
        from .supervision.selectors import surveillance_collects_data

        audits_hooks.blacklist_listing_effects.register(blacklist_listing_effects)
        certification_hooks.surveillance_schedule_create.register(surveillance_schedule_create)
        certification_hooks.surveillances_close.register(surveillances_close)
        certification_hooks.surveillance_schedule_resume.register(surveillance_schedule_resume)
        certification_hooks.surveillance_collects_data.register(surveillance_collects_data)
        certification_hooks.refusal_overturned_on_appeal.register(refusal_overturned_on_appeal)
        labels_hooks.reinspection_assigned.register(reinspection_assigned)
        labels_hooks.withdrawal_overturned_on_appeal.register(withdrawal_overturned_on_appeal)
