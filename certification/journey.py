"""What the application page tells each person about the procedure: the steps the table offers
them with what still stops each one, who acts next, how far the file has come and what is due.

Reads only. The guards are the workflow table's own (workflow.TRANSITIONS), run without
writing, so a button is shown disabled with the same reasons the step would be refused with.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from accounts.models import User

from .errors import GuardFailed
from .models import Application, ApplicationEvent, Status
from .steps import StepContext
from .workflow import (
    ACTION_LABELS,
    COMMENT_REQUIRED,
    TRANSITIONS,
    Action,
    available_actions,
    comment_given,
)

# Actions that take a comment the record keeps, though it is not required.
COMMENT_OPTIONAL = {
    Action.SUBMIT,
    Action.RESUBMIT,
    Action.ACCEPT,
    Action.PASS_TECHNICAL_REVIEW,
    Action.PEER_ENDORSE,
    Action.WITHDRAW,
}

# Steps that cannot be undone: the form asks the person to confirm the consequence.
CONFIRMATIONS = {
    Action.WITHDRAW: _(
        "I understand that withdrawing ends this application for good: it cannot be reopened, "
        "the certification body stops its work, and certifying this product takes a new "
        "application."
    ),
}

# Actions shown apart, in red, after the steps that move the file forward.
DANGER_ACTIONS = {Action.WITHDRAW, Action.REJECT, Action.REFUSE}

# Where on the page the missing piece is entered, by guard name.
GUARD_ANCHORS = {
    "dossier_complete": "dossier",
    "team_assigned": "team",
    "conflict_of_interest": "team",
    "open_findings_exist": "findings",
    "findings_answered": "findings",
    "findings_closed": "findings",
    "evaluation_complete": "evaluation",
    "peer_review_assigned": "peer-review",
    "peer_body_differs": "peer-review",
}
PEER_ACTIONS = {Action.PEER_ENDORSE, Action.PEER_SEND_BACK}


@dataclass(frozen=True)
class Problem:
    message: str
    anchor: str = ""


@dataclass
class ActionOffer:
    action: str
    label: str
    comment: str  # "required", "optional" or "" (no comment field)
    danger: bool
    confirmation: str
    problems: list[Problem] = field(default_factory=list)

    @property
    def enabled(self) -> bool:
        return not self.problems


def action_offers(user: User, application: Application) -> list[ActionOffer]:
    """Each step the table offers `user`, with every guard's objection collected (not only the
    first); withdrawal, which ends the file, comes last."""
    offers = []
    for action in available_actions(user, application):
        transition = TRANSITIONS[(application.status, action)]
        context = StepContext(application=application, actor=user, action=action, comment="")
        problems: list[Problem] = []
        for guard in transition.guards:
            if guard is comment_given:  # the comment is written in the form itself
                continue
            try:
                guard(context)
            except GuardFailed as error:
                anchor = GUARD_ANCHORS.get(error.guard, "")
                if action in PEER_ACTIONS and error.guard == "conflict_of_interest":
                    anchor = "peer-review"
                problem = Problem(str(error.message), anchor)
                if problem not in problems:
                    problems.append(problem)
        if action in COMMENT_REQUIRED:
            comment = "required"
        elif action in COMMENT_OPTIONAL:
            comment = "optional"
        else:
            comment = ""
        offers.append(
            ActionOffer(
                action=action,
                label=str(ACTION_LABELS[action]),
                comment=comment,
                danger=action in DANGER_ACTIONS,
                confirmation=str(CONFIRMATIONS.get(action, "")),
                problems=problems,
            )
        )
    offers.sort(key=lambda offer: offer.action == Action.WITHDRAW)
    return offers


# --- who acts next ------------------------------------------------------------------------

NEXT_STEPS: dict[str, tuple[StrOrPromise, StrOrPromise]] = {
    Status.DRAFT: (
        _("The enterprise"),
        _(
            "completes the dossier (study, results and evidence files) and submits it to the "
            "certification body. Until then the body does not see the application."
        ),
    ),
    Status.SUBMITTED: (
        _("The certification body's administrator"),
        _(
            "checks the application against the body's accreditation and accepts it, or "
            "rejects it with reasons. The enterprise has nothing to do meanwhile."
        ),
    ),
    Status.ACCEPTED: (
        _("The certification body's administrator"),
        _(
            "names the evaluation team and a peer reviewer from another body, then confirms "
            "the plan."
        ),
    ),
    Status.PLANNED: (
        _("The evaluation team"),
        _(
            "declares freedom from conflicts of interest and starts the evaluation: document "
            "review, on-site inspection and verification of the footprint."
        ),
    ),
    Status.IN_EVALUATION: (
        _("The evaluation team"),
        _(
            "evaluates the dossier. Findings it raises are sent to the enterprise, which then "
            "answers them; otherwise the team completes the evaluation."
        ),
    ),
    Status.AWAITING_ENTERPRISE: (
        _("The enterprise"),
        _(
            "answers every open finding, corrects the dossier where needed and resubmits it "
            "to the evaluation team."
        ),
    ),
    Status.TECHNICAL_REVIEW: (
        _("A technical reviewer of the body"),
        _(
            "who was not on the team reviews the evaluation, and passes it to peer review or "
            "returns it to the team."
        ),
    ),
    Status.PEER_REVIEW: (
        _("The peer reviewer from another body"),
        _("declares independence and endorses the file, or sends it back to the evaluation."),
    ),
    Status.DECISION: (
        _("A decision maker of the body"),
        _(
            "who was not on the team approves or refuses the certification. On approval the "
            "certificate and the carbon label are issued at once."
        ),
    ),
    Status.APPROVED: (
        _("The enterprise"),
        _(
            "may use the carbon label. The body surveils the certificate during its validity; "
            "see the certificate's page for surveillance and requests."
        ),
    ),
    Status.REFUSED: (
        _("The enterprise"),
        _("may appeal the refusal to the body within the appeal period."),
    ),
    Status.REJECTED: (
        _("The enterprise"),
        _("may correct what was missing and apply again with a new application."),
    ),
    Status.WITHDRAWN: (
        _("Nobody"),
        _("The application was withdrawn and is closed. A new application starts afresh."),
    ),
}


@dataclass(frozen=True)
class NextStep:
    who: str
    what: str


def next_step(application: Application) -> NextStep:
    who, what = NEXT_STEPS[application.status]
    return NextStep(who=str(who), what=str(what))


# --- progress and due dates ---------------------------------------------------------------


@dataclass(frozen=True)
class ProgressStepDefinition:
    key: str
    label: StrOrPromise
    statuses: tuple[str, ...]


PROGRESS_STEPS = (
    ProgressStepDefinition("draft", _("Dossier"), (Status.DRAFT,)),
    ProgressStepDefinition("submitted", _("Submitted"), (Status.SUBMITTED,)),
    ProgressStepDefinition("accepted", _("Accepted"), (Status.ACCEPTED,)),
    ProgressStepDefinition("planned", _("Planned"), (Status.PLANNED,)),
    ProgressStepDefinition(
        "evaluation", _("Evaluation"), (Status.IN_EVALUATION, Status.AWAITING_ENTERPRISE)
    ),
    ProgressStepDefinition("technical_review", _("Technical review"), (Status.TECHNICAL_REVIEW,)),
    ProgressStepDefinition("peer_review", _("Peer review"), (Status.PEER_REVIEW,)),
    ProgressStepDefinition("decision", _("Decision"), (Status.DECISION,)),
    ProgressStepDefinition(
        "outcome",
        _("Outcome"),
        (Status.APPROVED, Status.REFUSED, Status.REJECTED, Status.WITHDRAWN),
    ),
)
_STEP_OF_STATUS = {
    status: index for index, step in enumerate(PROGRESS_STEPS) for status in step.statuses
}


@dataclass(frozen=True)
class ProgressStep:
    key: str
    label: str
    state: str  # "done", "current", "skipped" (closed before reaching it) or "upcoming"
    reached_at: datetime | None
    due: date | None = None
    overdue: bool = False


def due_days() -> dict[str, int]:
    """Days each waiting party has, from the step that hands it the file (settings)."""
    return {
        Status.SUBMITTED: settings.DUE_DAYS_ACCEPTANCE,
        Status.AWAITING_ENTERPRISE: settings.DUE_DAYS_FINDING_ANSWER,
        Status.DECISION: settings.DUE_DAYS_DECISION,
    }


def _arrivals(application: Application, events: list[ApplicationEvent]) -> dict[str, datetime]:
    """When the file last arrived in each status."""
    arrivals: dict[str, datetime] = {Status.DRAFT: application.created_at}
    for event in events:
        arrivals[event.to_status] = event.created_at
    return arrivals


def due_date(status: str, arrived: datetime) -> date | None:
    """When the step of `status` is due, for a file that reached it at `arrived`; None for a
    step without a due date."""
    days = due_days().get(status)
    if days is None:
        return None
    return timezone.localdate(arrived) + timedelta(days=days)


def current_due(
    application: Application, events: list[ApplicationEvent], today: date | None = None
) -> tuple[date, bool] | None:
    """The due date of the present step and whether it has passed, if the step has one."""
    arrived = _arrivals(application, events).get(application.status)
    due = due_date(application.status, arrived) if arrived else None
    if due is None:
        return None
    return due, due < (today or timezone.localdate())


def progress(application: Application, events: list[ApplicationEvent]) -> list[ProgressStep]:
    """The whole procedure as steps, each with the date the file reached it."""
    arrivals = _arrivals(application, events)
    current = _STEP_OF_STATUS[application.status]
    last_reached = current
    if application.status in (Status.REJECTED, Status.WITHDRAWN) and events:
        # Closed early: the steps between where it stood and the outcome were never reached.
        last_reached = _STEP_OF_STATUS[events[-1].from_status]
    due = current_due(application, events)
    steps = []
    for index, definition in enumerate(PROGRESS_STEPS):
        reached = [arrivals[s] for s in definition.statuses if s in arrivals]
        if index == current:
            state = "current"
        elif index <= last_reached:
            state = "done"
        elif index < current:
            state = "skipped"
        else:
            state = "upcoming"
        label = definition.label
        if index == current and definition.key == "outcome":
            label = application.get_status_display()
        steps.append(
            ProgressStep(
                key=definition.key,
                label=str(label),
                state=state,
                reached_at=max(reached) if reached and state in ("done", "current") else None,
                due=due[0] if due and index == current else None,
                overdue=bool(due and index == current and due[1]),
            )
        )
    return steps
