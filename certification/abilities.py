"""What one person may do with one application now: read by the application page, its template
and the API, so that a button is shown exactly where the step is open to that person.

The services still check every rule when the step is taken; this says what to offer.
"""

from dataclasses import dataclass

from accounts.models import User

from . import families, services
from .models import Application, DossierVersion, Status
from .reviews import EVALUATION_STATUSES
from .selectors import application_can_read_dossier
from .workflow import Actor, actor_relations, available_actions


@dataclass(frozen=True)
class ApplicationAbilities:
    relations: frozenset[str]
    actions: tuple[str, ...]  # the workflow steps the table offers this person now
    read_dossier: bool
    edit_dossier: bool  # the open dossier version: data, inventory, evidence files
    assign_team: bool
    assign_peer_reviewer: bool
    declare_as_peer_reviewer: bool
    raise_findings: bool
    answer_findings: bool
    close_findings: bool
    edit_evaluation: bool
    edit_variants: bool

    def as_api(self) -> dict[str, object]:
        """The API's `abilities` object: the same names, the actions as a list."""
        return {
            "actions": list(self.actions),
            **{
                name: getattr(self, name)
                for name in self.__dataclass_fields__
                if name not in ("relations", "actions")
            },
        }


def application_abilities(
    user: User, application: Application, *, current: DossierVersion | None = None
) -> ApplicationAbilities:
    """`current`: the application's latest dossier version when the caller has read it already
    (the page has); otherwise it is read here."""
    relations = frozenset(actor_relations(user, application))
    status = application.status
    enterprise = Actor.ENTERPRISE in relations
    body_admin = Actor.BODY_ADMIN in relations
    team = Actor.TEAM in relations
    if current is None and enterprise:
        current = application.dossier_versions.order_by("number").last()
    return ApplicationAbilities(
        relations=relations,
        actions=tuple(available_actions(user, application)),
        read_dossier=application_can_read_dossier(user, application),
        edit_dossier=(
            enterprise
            and status in services.DOSSIER_EDITABLE_STATUSES
            and current is not None
            and not current.is_frozen
        ),
        assign_team=body_admin and status in services.TEAM_EDITABLE_STATUSES,
        assign_peer_reviewer=body_admin and status in services.PEER_ASSIGNABLE_STATUSES,
        declare_as_peer_reviewer=Actor.PEER_REVIEWER in relations,
        raise_findings=team and status == Status.IN_EVALUATION,
        answer_findings=enterprise and status == Status.AWAITING_ENTERPRISE,
        close_findings=team and status == Status.IN_EVALUATION,
        edit_evaluation=team and status in EVALUATION_STATUSES,
        edit_variants=enterprise and status in families.VARIANT_EDITABLE_STATUSES,
    )
