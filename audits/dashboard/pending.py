"""Panels whose data other parts of the platform are building (complaints and appeals, the
certificate life after issuance, random sampling). Each panel is fed by exactly one selector
here, which answers an empty result until its data exists; wiring a panel means replacing the
body of one function, with one aggregate query, and keeping the row shape documented on it.
"""

from .filters import DashboardFilters


def complaints_and_appeals_per_body(filters: DashboardFilters) -> list[dict]:
    """Rows {"body_id", "body", "complaints", "complaints_overdue", "appeals",
    "appeals_upheld"}, one per body, for the filters' period and scope."""
    return []


def surveillance_overdue(filters: DashboardFilters) -> list[dict]:
    """Rows {"body_id", "body", "overdue", "oldest_due"}: certificates whose surveillance is past
    its due date, per body."""
    return []


def sampling_outcomes(filters: DashboardFilters) -> list[dict]:
    """Rows {"draw", "drawn_on", "seed", "certificates", "conforming", "nonconforming",
    "pending"}, one per random sampling draw in the period."""
    return []
