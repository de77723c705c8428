"""The errors a domain rule raises, shared by the apps. The API maps them to problem details
(`config.api`), the portal to messages."""

from django_stubs_ext import StrOrPromise


class WorkflowError(Exception):
    """A rule of the procedure stops this step. `code` is machine-readable."""

    status_code = 409
    code = "workflow_error"

    def __init__(self, message: StrOrPromise, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class TransitionNotAllowed(WorkflowError):
    code = "transition_not_allowed"


class ActorNotPermitted(WorkflowError):
    status_code = 403
    code = "actor_not_permitted"


class GuardFailed(WorkflowError):
    """A named guard of a step refused it; `guard` names it (the code is `guard:<name>`)."""

    code = "guard_failed"

    def __init__(self, guard: str, message: StrOrPromise) -> None:
        super().__init__(message, code=f"guard:{guard}")
        self.guard = guard


class Blacklisted(GuardFailed):
    def __init__(self, message: StrOrPromise) -> None:
        super().__init__("nobody_blacklisted", message)
