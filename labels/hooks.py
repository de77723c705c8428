"""What labels asks of oversight about who may change a label. Oversight sits above labels
(`config/hooks.py`) and answers in `oversight/apps.py`; a certificate's surveillance is asked
through `certification.hooks`."""

from accounts.models import User
from config.hooks import Hook

from .models import Label

# Whether the person is the inspector drawn to re-inspect the certificate (id), while that
# re-inspection is open.
reinspection_assigned: Hook[[User, int], bool] = Hook("labels.hooks.reinspection_assigned")
# Whether the person overturned the label's withdrawal on appeal and the appeal service is
# applying that now (the guard of reinstating a withdrawn label).
withdrawal_overturned_on_appeal: Hook[[Label, User], bool] = Hook(
    "labels.hooks.withdrawal_overturned_on_appeal"
)
