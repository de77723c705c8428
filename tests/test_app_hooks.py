"""The hooks by which a lower app asks oversight (`config/hooks.py`): each declared hook has its
one answer once the apps are ready, and a hook nobody answers fails loudly."""

import pytest

from audits import hooks as audits_hooks
from certification import hooks as certification_hooks
from config.hooks import Hook, HookNotRegistered
from labels import hooks as labels_hooks


@pytest.mark.parametrize("module", [audits_hooks, certification_hooks, labels_hooks])
def test_every_declared_hook_is_answered(module) -> None:
    hooks = [value for value in vars(module).values() if isinstance(value, Hook)]
    assert hooks
    for hook in hooks:
        assert hook._function is not None, f"nothing answers {hook.name}"


def test_a_hook_nobody_answers_raises() -> None:
    hook: Hook[[int], int] = Hook("tests.unanswered")
    with pytest.raises(HookNotRegistered, match="nothing answers"):
        hook(1)


def test_a_hook_has_one_answer() -> None:
    hook: Hook[[int], int] = Hook("tests.answered")

    def double(number: int) -> int:
        return 2 * number

    hook.register(double)
    hook.register(double)  # the same answer again (an app made ready twice) changes nothing
    assert hook(3) == 6
    with pytest.raises(RuntimeError, match="answered already"):
        hook.register(lambda number: number)
    assert hook(3) == 6
