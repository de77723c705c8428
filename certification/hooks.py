"""What the apps above certification do when a step of the procedure is taken.

Certification sits below labels and must not name them: an app above registers its follow-up
work here when it starts (in its `AppConfig.ready()`), and the status writer runs what is
registered once the step is committed. Labels registers the issuance of the label on approval
(`labels/apps.py`).
"""

from collections.abc import Callable

CertificateCallback = Callable[[int], object]

_on_approval: list[CertificateCallback] = []


def on_approval(callback: CertificateCallback) -> None:
    """Run `callback(certificate_id)` after each approval commits. A callback queues a task
    (the work must survive a crash of the web process), so it returns quickly."""
    if callback not in _on_approval:  # ready() may run twice in tests and management commands
        _on_approval.append(callback)


def approval_callbacks() -> tuple[CertificateCallback, ...]:
    return tuple(_on_approval)
