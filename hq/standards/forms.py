"""HQ's standards forms (R11.2): each turns its fields into a release's content; the rules
live in ``services.clean_content``. Rule and product lists are edited one per line."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hq.standards.choices import StandardKind
from hq.standards.services import sla_key
from shared.forms import BootstrapFormMixin
from shared.vocab.customer_levels import LEVEL_ORDER, NationalLevel
from shared.vocab.service_requests import RequestKind

GRADED = ("silver", "gold", "diamond")
RULE_COLUMNS = (
    "code",
    "name",
    "kind",
    "level",
    "points_per_yuan",
    "multiplier",
    "bonus_points",
    "condition",
    "parameter",
)
PRODUCT_COLUMNS = ("code", "name", "category", "monthly_price")


def _lines(text: str, columns: tuple[str, ...], field: str) -> list[dict]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split(";")]
        if len(parts) > len(columns):
            raise ValidationError(
                {
                    field: gettext("Line %(n)d has more than %(k)d parts.")
                    % {"n": number, "k": len(columns)}
                }
            )
        row = {column: value for column, value in zip(columns, parts, strict=False) if value}
        if "bonus_points" in row:
            try:
                row["bonus_points"] = int(row["bonus_points"])
            except ValueError:
                raise ValidationError(
                    {field: gettext("Line %(n)d: bonus points are a whole number.") % {"n": number}}
                ) from None
        rows.append(row)
    return rows


def _unlines(rows: list[dict], columns: tuple[str, ...]) -> str:
    return "\n".join(
        "; ".join(str(row.get(column, "")) for column in columns).rstrip("; ") for row in rows
    )


class _StandardForm(BootstrapFormMixin, forms.Form):
    effective_from = forms.DateField(
        label=_("effective from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: the day it is published."),
    )

    @classmethod
    def initial_from(cls, draft) -> dict:
        return {"effective_from": draft.effective_from}

    def content(self) -> dict:
        raise NotImplementedError


class LevelsForm(_StandardForm):
    months = forms.IntegerField(label=_("months averaged"), min_value=1, max_value=36)
    strategic_min_level = forms.ChoiceField(
        label=_("minimum level of strategic customers"),
        choices=[c for c in NationalLevel.choices if c[0] in GRADED],
    )
    validity_months = forms.IntegerField(label=_("validity (months)"), min_value=1, max_value=60)

    @classmethod
    def initial_from(cls, draft) -> dict:
        initial = super().initial_from(draft)
        content = draft.content or {}
        initial.update({k: content.get(k) for k in ("months", "strategic_min_level")})
        initial["validity_months"] = content.get("validity_months")
        for rule in content.get("rules", []):
            level = rule["level"]
            initial[f"{level}_paid"] = rule.get("min_avg_monthly_paid")
            initial[f"{level}_tenure"] = rule.get("min_tenure_months")
            initial[f"{level}_products"] = rule.get("min_active_products")
        return initial

    def content(self) -> dict:
        data = self.cleaned_data
        rules = [
            {
                "level": level,
                "min_avg_monthly_paid": str(data[f"{level}_paid"]),
                "min_tenure_months": data[f"{level}_tenure"],
                "min_active_products": data[f"{level}_products"],
            }
            for level in GRADED
            if data.get(f"{level}_paid") is not None
        ]
        return {
            "months": data["months"],
            "strategic_min_level": data["strategic_min_level"],
            "validity_months": data["validity_months"],
            "rules": rules,
        }


def _add_level_rule_fields(form_class) -> None:
    """Three fields per graded level (silver, gold, diamond), as province.levels' rules."""
    labels = dict(NationalLevel.choices)
    for level in GRADED:
        name = labels[level]
        form_class.base_fields[f"{level}_paid"] = forms.DecimalField(
            label=format_lazy("{}: {}", name, _("minimum average monthly paid revenue")),
            min_value=0,
            decimal_places=2,
            required=level != "silver",
        )
        form_class.base_fields[f"{level}_tenure"] = forms.IntegerField(
            label=format_lazy("{}: {}", name, _("minimum tenure (months)")),
            min_value=0,
            required=False,
        )
        form_class.base_fields[f"{level}_products"] = forms.IntegerField(
            label=format_lazy("{}: {}", name, _("minimum active products")),
            min_value=0,
            required=False,
        )


_add_level_rule_fields(LevelsForm)


class PointsForm(_StandardForm):
    rules = forms.CharField(
        label=_("national earning rules"),
        widget=forms.Textarea(attrs={"rows": 8, "class": "font-monospace"}),
        help_text=_(
            "One rule per line: code; name; kind (base, level_multiplier, bonus, penalty); "
            "level; points per yuan; multiplier; bonus points; condition; parameter."
        ),
    )

    @classmethod
    def initial_from(cls, draft) -> dict:
        initial = super().initial_from(draft)
        initial["rules"] = _unlines((draft.content or {}).get("rules", []), RULE_COLUMNS)
        return initial

    def content(self) -> dict:
        return {"rules": _lines(self.cleaned_data["rules"], RULE_COLUMNS, "rules")}


class ValidityForm(_StandardForm):
    years_after = forms.IntegerField(
        label=_("years after the year earned"), min_value=0, max_value=10
    )

    @classmethod
    def initial_from(cls, draft) -> dict:
        initial = super().initial_from(draft)
        initial["years_after"] = (draft.content or {}).get("years_after")
        return initial

    def content(self) -> dict:
        return {"years_after": self.cleaned_data["years_after"]}


class ProductsForm(_StandardForm):
    products = forms.CharField(
        label=_("national products"),
        widget=forms.Textarea(attrs={"rows": 10, "class": "font-monospace"}),
        help_text=_("One product per line: code; name; category; monthly list price."),
    )

    @classmethod
    def initial_from(cls, draft) -> dict:
        initial = super().initial_from(draft)
        initial["products"] = _unlines((draft.content or {}).get("products", []), PRODUCT_COLUMNS)
        return initial

    def content(self) -> dict:
        return {"products": _lines(self.cleaned_data["products"], PRODUCT_COLUMNS, "products")}


SLA_FIELDS = ("response_hours", "resolution_hours", "compliance_target")


class SlasForm(_StandardForm):
    """Service SLAs (R11.2): per customer level × request kind, the first-response and
    resolution times in hours and the compliance target (%). One field per value, named as
    ``services.sla_key`` names its errors, so a wrong value is marked where it was typed."""

    @classmethod
    def initial_from(cls, draft) -> dict:
        initial = super().initial_from(draft)
        for row in (draft.content or {}).get("slas", []):
            for field in SLA_FIELDS:
                initial[sla_key(row["level"], row["request_kind"], field)] = row[field]
        return initial

    def grid(self) -> list[dict]:
        """The fields as table rows (level × request kind) for the template."""
        levels, kinds = dict(NationalLevel.choices), dict(RequestKind.choices)
        return [
            {
                "level": levels[level],
                "kind": kinds[kind],
                "fields": [self[sla_key(level, kind, field)] for field in SLA_FIELDS],
            }
            for level in LEVEL_ORDER
            for kind in RequestKind.values
        ]

    def content(self) -> dict:
        data = self.cleaned_data
        return {
            "slas": [
                {
                    "level": level,
                    "request_kind": kind,
                    **{field: str(data[sla_key(level, kind, field)]) for field in SLA_FIELDS},
                }
                for level in LEVEL_ORDER
                for kind in RequestKind.values
            ]
        }


def _add_sla_fields(form_class) -> None:
    labels = {
        "response_hours": _("first response (hours)"),
        "resolution_hours": _("resolution (hours)"),
        "compliance_target": _("compliance target (%)"),
    }
    levels, kinds = dict(NationalLevel.choices), dict(RequestKind.choices)
    for level in LEVEL_ORDER:
        for kind in RequestKind.values:
            for field in SLA_FIELDS:
                label = format_lazy("{} / {}: {}", levels[level], kinds[kind], labels[field])
                form_class.base_fields[sla_key(level, kind, field)] = forms.DecimalField(
                    label=label,
                    max_digits=8,
                    decimal_places=2,
                    widget=forms.NumberInput(attrs={"aria-label": label, "step": "0.01"}),
                )


_add_sla_fields(SlasForm)


FORMS = {
    StandardKind.LEVELS: LevelsForm,
    StandardKind.POINTS: PointsForm,
    StandardKind.VALIDITY: ValidityForm,
    StandardKind.PRODUCTS: ProductsForm,
    StandardKind.SLAS: SlasForm,
}
