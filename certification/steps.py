"""The context of one step of the procedure, as its guards check it and its effects apply it
(``workflow.TRANSITIONS``)."""

from dataclasses import dataclass

from accounts.models import User

from .models import Application


@dataclass(frozen=True)
class StepContext:
    application: Application
    actor: User
    action: str
    comment: str
