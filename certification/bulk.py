"""Start draft applications for several products at once, from a spreadsheet (.xlsx or .csv).

Each row names a product (one of the enterprise's own, found by GTIN or model, or a new one with
its fields) and the certification body, scheme and product rule to apply under. The rows go
through the services a person uses one at a time (`product_create`, `application_create`), so
the same rules and blacklist gates decide. A preview runs every row and rolls everything back; a
confirmation runs them again and keeps the result only if every row passes: nothing is ever
half-created.
"""

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organisation, Scheme, User
from accounts.roles import OrganisationKind
from accounts.selectors import user_enterprise_ids
from footprint.spreadsheet_reader import ImportErrors, ImportIssue, file_error, read_cells

from . import services
from .errors import ActorNotPermitted, WorkflowError
from .identifiers import gtin_normalize
from .models import Application, ApplicationBatch, Product, ProductCategory

SHEET = "applications"
MAX_ROWS = 200
MAX_BYTES = 1024 * 1024

# The file's columns, in the template's order, with what each one holds.
COLUMNS = {
    "gtin": gettext_lazy(
        "GTIN (8, 12, 13 or 14 digits). A product you registered is found by its GTIN, or else "
        "by its model."
    ),
    "model": gettext_lazy("Model / specification."),
    "product_name": gettext_lazy(
        "Only for a product not registered yet: its name. Leave it empty to apply for one of "
        "your registered products."
    ),
    "trademark": gettext_lazy("A new product's trademark (optional)."),
    "manufacturer": gettext_lazy("A new product's manufacturer."),
    "plant_address": gettext_lazy(
        "A new product's plant address; for a registered product, the plant of this "
        "application if it is not the product's."
    ),
    "category": gettext_lazy("A new product's category code (see the lists)."),
    "body": gettext_lazy("Code of the certification body (see the lists)."),
    "scheme": gettext_lazy("national_pilot or self_filed."),
    "product_rule": gettext_lazy("Name of the product rule the footprint follows."),
    "product_rule_version": gettext_lazy("Version of the product rule."),
}
REQUIRED_COLUMNS = ("body", "scheme", "product_rule", "product_rule_version")

# Where a service's field error belongs in the file.
COLUMN_OF_FIELD = {
    "name": "product_name",
    "model": "model",
    "gtin": "gtin",
    "trademark": "trademark",
    "manufacturer": "manufacturer",
    "plant_address": "plant_address",
    "category": "category",
    "certification_body": "body",
    "scheme": "scheme",
    "product_rule_name": "product_rule",
    "product_rule_version": "product_rule_version",
}


# --- reading the file ---------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One data row: its line in the file and the text of each column."""

    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a GTIN typed into a number cell
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _header(cells: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    problems = []
    for at, cell in enumerate(cells):
        name = cell.strip().lower().replace(" ", "_")
        if not name:
            continue
        if name not in COLUMNS:
            problems.append(
                _("Unknown column “%(column)s”: the columns are %(columns)s.")
                % {"column": cell, "columns": ", ".join(COLUMNS)}
            )
        elif name in positions:
            problems.append(_("The column “%(column)s” appears twice.") % {"column": name})
        else:
            positions[name] = at
    missing = [name for name in REQUIRED_COLUMNS if name not in positions]
    if missing:
        problems.append(_("Columns missing: %(columns)s.") % {"columns": ", ".join(missing)})
    if "gtin" not in positions and "model" not in positions:
        problems.append(_("Give a gtin or a model column to name the products."))
    if problems:
        raise ImportErrors([ImportIssue(None, None, problem) for problem in problems])
    return positions


def rows_read(content: bytes) -> list[Row]:
    """The data rows of an uploaded file, or ImportErrors saying what is wrong with it."""
    positions: dict[str, int] | None = None
    rows: list[Row] = []
    for line, cells in read_cells(content, max_bytes=MAX_BYTES, sheet=SHEET):
        texts = [_text(cell) for cell in cells]
        if not any(texts):
            continue
        if positions is None:
            positions = _header(texts)
            continue
        if len(rows) == MAX_ROWS:
            raise file_error(
                _("The file lists more than %(count)d products: split it.") % {"count": MAX_ROWS}
            )
        values = {name: texts[at] if at < len(texts) else "" for name, at in positions.items()}
        rows.append(Row(line=line, values=values))
    if positions is None:
        raise file_error(_("The file is empty: start from the template."))
    if not rows:
        raise file_error(_("The file lists no products under its header row."))
    return rows


# --- running the rows ---------------------------------------------------------------------


@dataclass
class PlannedRow:
    """What one row creates, or why it cannot."""

    line: int
    product: str
    new_product: bool = False
    body: str = ""
    scheme: str = ""
    product_rule: str = ""
    errors: list[str] = field(default_factory=list)
    reference: str = ""


@dataclass
class Outcome:
    rows: list[PlannedRow]
    batch: ApplicationBatch | None = None

    @property
    def ok(self) -> bool:
        return not any(row.errors for row in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)


class RowRefused(Exception):
    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


class BatchTaken(WorkflowError):
    code = "batch_taken"


def applications_start(
    *,
    actor: User,
    enterprise: Organisation,
    rows: list[Row],
    commit: bool,
    token: str = "",
    file_name: str = "",
) -> Outcome:
    """Run every row through the services in one transaction. With `commit` and no row refused,
    keep the applications (recorded as one batch under `token`); otherwise roll everything
    back, so the preview and a refused confirmation leave nothing behind."""
    if enterprise.pk not in user_enterprise_ids(actor):
        raise ActorNotPermitted(_("Only the enterprise's own people may do this."))
    if commit and not token:
        raise ValueError("a confirmation needs the preview's token")
    with transaction.atomic():
        batch = None
        if commit:
            # The token's row is the claim on this preview: a second confirmation waits for
            # the first one's transaction and then finds the token taken.
            try:
                with transaction.atomic():
                    batch = ApplicationBatch.objects.create(
                        token=token, enterprise=enterprise, created_by=actor, file_name=file_name
                    )
            except IntegrityError as error:
                raise BatchTaken(
                    _("These applications were already created: nothing more was done.")
                ) from error
        planned: list[PlannedRow] = []
        created: list[Application] = []
        seen: dict[tuple, int] = {}
        for row in rows:
            plan = PlannedRow(line=row.line, product=_product_text(row))
            try:
                with transaction.atomic():  # a refused row leaves nothing of its own
                    application = _start_row(actor, enterprise, row, plan, seen)
            except RowRefused as error:
                plan.errors.extend(error.messages)
            except ValidationError as error:
                plan.errors.extend(_messages(error))
            except WorkflowError as error:
                plan.errors.append(str(error.message))
            else:
                created.append(application)
                if commit:
                    plan.reference = application.reference
            planned.append(plan)
        outcome = Outcome(rows=planned)
        if commit and outcome.ok and batch is not None:
            batch.applications.set(created)
            outcome.batch = batch
        else:
            transaction.set_rollback(True)
    return outcome


def _product_text(row: Row) -> str:
    """The product as the row names it, until the row is resolved."""
    named = " ".join(part for part in (row.get("product_name"), row.get("model")) if part)
    return named or row.get("gtin")


def _start_row(
    actor: User, enterprise: Organisation, row: Row, plan: PlannedRow, seen: dict
) -> Application:
    problems: list[str] = []
    body = _body(row.get("body"), problems)
    scheme = _scheme(row.get("scheme"), problems)
    rule, version = row.get("product_rule"), row.get("product_rule_version")
    plan.body = str(body) if body else row.get("body")
    plan.scheme = str(Scheme(scheme).label) if scheme else row.get("scheme")
    plan.product_rule = f"{rule} {version}".strip()
    plan.new_product = bool(row.get("product_name"))
    if plan.new_product:
        product = _new_product(actor, enterprise, row, problems)
    else:
        product = _registered_product(enterprise, row, problems)
    if problems or product is None or body is None:
        raise RowRefused(problems)
    plan.product = str(product)
    key = (product.pk, body.pk, scheme, rule, version)
    if key in seen:
        raise RowRefused(
            [
                _("This row repeats line %(line)s (same product, body and rule).")
                % {"line": seen[key]}
            ]
        )
    seen[key] = row.line
    return services.application_create(
        actor=actor,
        product=product,
        certification_body=body,
        scheme=scheme,
        product_rule_name=rule,
        product_rule_version=version,
        plant_address="" if plan.new_product else row.get("plant_address"),
    )


def _body(code: str, problems: list[str]) -> Organisation | None:
    """The body the code names; whether it may take the application is for the service."""
    if not code:
        problems.append(_("body: give the certification body's code."))
        return None
    body = Organisation.objects.filter(
        kind=OrganisationKind.CERTIFICATION_BODY, code__iexact=code
    ).first()
    if body is None:
        problems.append(_("body: no certification body has the code “%(code)s”.") % {"code": code})
    return body


def _scheme(text: str, problems: list[str]) -> str:
    """A scheme by its value, or its name in words (in the reader's language)."""
    wanted = text.strip().lower()
    for value, label in Scheme.choices:
        if wanted in (value, value.replace("_", " "), str(label).lower()):
            return value
    problems.append(
        _("scheme: “%(text)s” is not a scheme; write national_pilot or self_filed.")
        % {"text": text}
        if text
        else _("scheme: write national_pilot or self_filed.")
    )
    return ""


def _gtin(text: str, problems: list[str]) -> str | None:
    if not text:
        return None
    try:
        return gtin_normalize(text)
    except ValidationError as error:
        problems.extend(f"gtin: {message}" for message in error.messages)
        return None


def _registered_product(enterprise: Organisation, row: Row, problems: list[str]) -> Product | None:
    """One of the enterprise's products: another enterprise's is never found."""
    products = Product.objects.filter(enterprise=enterprise).select_related("category")
    model = row.get("model")
    if row.get("gtin"):
        gtin = _gtin(row.get("gtin"), problems)
        if gtin is None:
            return None
        product = products.filter(gtin=gtin).first()
        if product is None:
            problems.append(
                _(
                    "gtin: none of your products has the GTIN %(gtin)s. To register it, fill in "
                    "product_name and the new product's columns."
                )
                % {"gtin": row.get("gtin")}
            )
        elif model and product.model != model:
            problems.append(
                _("model: the product with GTIN %(gtin)s is model %(actual)s, not %(model)s.")
                % {"gtin": row.get("gtin"), "actual": product.model, "model": model}
            )
        return product
    if not model:
        problems.append(_("Name the product by its gtin or model."))
        return None
    matches = list(products.filter(model=model)[:2])
    if not matches:
        problems.append(
            _(
                "model: none of your products is model %(model)s. To register it, fill in "
                "product_name and the new product's columns."
            )
            % {"model": model}
        )
        return None
    if len(matches) > 1:
        problems.append(
            _("model: several of your products are model %(model)s: give the GTIN.")
            % {"model": model}
        )
        return None
    return matches[0]


def _new_product(
    actor: User, enterprise: Organisation, row: Row, problems: list[str]
) -> Product | None:
    gtin = _gtin(row.get("gtin"), problems)
    if gtin and Product.objects.filter(enterprise=enterprise, gtin=gtin).exists():
        problems.append(
            _(
                "gtin: one of your products already has the GTIN %(gtin)s: leave product_name "
                "empty to apply for it."
            )
            % {"gtin": row.get("gtin")}
        )
    code = row.get("category")
    category = (
        ProductCategory.objects.filter(level="catalogue_product", code__iexact=code).first()
        if code
        else None
    )
    if category is None:
        problems.append(
            _("category: no product category has the code “%(code)s”.") % {"code": code}
            if code
            else _("category: give the new product's category code.")
        )
    if problems or category is None:
        return None
    return services.product_create(
        actor=actor,
        enterprise=enterprise,
        name=row.get("product_name"),
        model=row.get("model"),
        category=category,
        manufacturer=row.get("manufacturer"),
        plant_address=row.get("plant_address"),
        trademark=row.get("trademark"),
        gtin=gtin,
    )


def _messages(error: ValidationError) -> list[str]:
    if not hasattr(error, "error_dict"):
        return list(error.messages)
    return [
        f"{COLUMN_OF_FIELD[name]}: {message}" if name in COLUMN_OF_FIELD else message
        for name, messages in error.message_dict.items()
        for message in messages
    ]
