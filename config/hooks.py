"""Hooks: how an app asks something of an app above it without importing it.

An app imports only the apps below it (README, "How the apps depend on each other"). Where a step
of a lower app needs what a higher app owns (a new certificate needs its surveillance planned,
and surveillances are oversight's), the lower app declares a `Hook` in its own `hooks.py`, with
the signature and the meaning of the call, and calls it; the higher app registers the one
function that answers it, in its `AppConfig.ready()`. The call is a plain function call: it
runs in the caller's transaction, and what it raises, the caller sees.
"""

from collections.abc import Callable
from typing import Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class HookNotRegistered(RuntimeError):
    """No app answers the hook: the app that should is not installed, or not ready yet."""


class Hook(Generic[P, R]):
    """One call of a lower app, answered by exactly one function of a higher app."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._function: Callable[P, R] | None = None

    def register(self, function: Callable[P, R]) -> None:
        # One answer: two would leave the order of their effects, and whose result counts, to
        # the order the apps start in.
        if self._function is not None and self._function is not function:
            raise RuntimeError(f"{self.name} is answered already by {self._function!r}")
        self._function = function

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if self._function is None:
            raise HookNotRegistered(f"nothing answers {self.name}")
        return self._function(*args, **kwargs)
