"""Errors the workflow raises. The API maps them to problem details, the portal to messages."""

from config.domain_errors import ActorNotPermitted, TransitionNotAllowed, WorkflowError

__all__ = [
    "ActorNotPermitted",
    "Blacklisted",
    "GuardFailed",
    "TransitionNotAllowed",
    "WorkflowError",
]


class GuardFailed(WorkflowError):
    code = "guard_failed"

    def __init__(self, guard: str, message: str) -> None:
        super().__init__(message, code=f"guard:{guard}")
        self.guard = guard


class Blacklisted(GuardFailed):
    def __init__(self, message: str) -> None:
        super().__init__("nobody_blacklisted", message)
