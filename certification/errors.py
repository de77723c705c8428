"""Errors the workflow raises. The API maps them to problem details, the portal to messages."""

from config.domain_errors import (
    ActorNotPermitted,
    Blacklisted,
    GuardFailed,
    TransitionNotAllowed,
    WorkflowError,
)

__all__ = [
    "ActorNotPermitted",
    "Blacklisted",
    "GuardFailed",
    "TransitionNotAllowed",
    "WorkflowError",
]
