"""Pages of the customer analysis (R2.5.1–R2.5.5): charts, a compact table, the shared
filter bar and an export (``?format=xlsx`` or ``?format=csv``) of exactly what is shown."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from province.analysis import exports, selectors
from province.analysis.filters import AnalysisFilterForm, SatisfactionImportForm, TopNForm
from province.analysis.services import ImportRejected, import_satisfaction_scores
from shared.exports import jsonable, sections_download

VIEW_PERMISSION = "customers.view_customer"
IMPORT_PERMISSION = "analysis.add_satisfactionscore"
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class AnalysisPage:
    slug: str
    requirement: str
    title: str
    description: str
    compute: Callable
    sections: Callable
    icon: str


PAGES = [
    AnalysisPage(
        "composition",
        "R2.5.1",
        gettext_lazy("Customer composition"),
        gettext_lazy("Customers by level, type, industry, city and status, and over time."),
        selectors.composition,
        exports.composition_sections,
        "bi-pie-chart",
    ),
    AnalysisPage(
        "products",
        "R2.5.2",
        gettext_lazy("Business composition"),
        gettext_lazy("Customers, revenue and product instances by product and category."),
        selectors.product_composition,
        exports.product_sections,
        "bi-boxes",
    ),
    AnalysisPage(
        "satisfaction",
        "R2.5.3",
        gettext_lazy("Customer satisfaction"),
        gettext_lazy("Survey scores by level, industry and month, and their distribution."),
        selectors.satisfaction,
        exports.satisfaction_sections,
        "bi-emoji-smile",
    ),
    AnalysisPage(
        "value",
        "R2.5.4",
        gettext_lazy("Revenue and value"),
        gettext_lazy("Revenue, ARPU, growth, customer lifetime value and top customers."),
        selectors.value,
        exports.value_sections,
        "bi-graph-up-arrow",
    ),
    AnalysisPage(
        "pricing",
        "R2.5.5",
        gettext_lazy("Products and prices"),
        gettext_lazy("Product uptake, average fees against list prices and discounts."),
        selectors.pricing,
        exports.pricing_sections,
        "bi-tags",
    ),
]
PAGES_BY_SLUG = {page.slug: page for page in PAGES}


@login_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
def index(request):
    return render(request, "analysis/index.html", {"pages": PAGES})


def _query_without(request, *names) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _render_page(request, page: AnalysisPage, extra: dict | None = None, status: int = 200):
    form = AnalysisFilterForm(request.GET, user=request.user)
    top_form = TopNForm(request.GET) if page.slug == "value" else None
    valid = form.is_valid() and (top_form is None or top_form.is_valid())
    context = {
        "page": page,
        "pages": PAGES,
        "form": form,
        "top_form": top_form,
        "figures": None,
        "query": _query_without(request, "format"),
        **(extra or {}),
    }
    if not valid:
        # Bad filter input is the user's to correct: the page with messages, not a 500.
        return render(request, f"analysis/{page.slug}.html", context, status=400)
    kwargs = {}
    if top_form is not None:
        kwargs["top_n"] = top_form.cleaned_data.get("top") or selectors.DEFAULT_TOP_N
    scope = form.scope()
    figures = page.compute(scope, **kwargs)
    fmt = request.GET.get("format")
    if fmt in {"xlsx", "csv"}:
        filename = f"{page.slug}-{scope.start:%Y%m}-{scope.end:%Y%m}"
        return sections_download(page.sections(figures), filename, fmt)
    context["figures"] = figures
    context["chart_data"] = jsonable(figures)
    context["sections"] = page.sections(figures)
    return render(request, f"analysis/{page.slug}.html", context, status=status)


def _page_view(slug: str):
    page = PAGES_BY_SLUG[slug]

    @login_required
    @permission_required(VIEW_PERMISSION, raise_exception=True)
    def view(request):
        return _render_page(request, page)

    view.__name__ = f"{slug}_page"
    view.__doc__ = f"{page.requirement}: {page.slug} analysis page."
    return view


composition = _page_view("composition")
products = _page_view("products")
satisfaction = _page_view("satisfaction")
value = _page_view("value")
pricing = _page_view("pricing")


@login_required
@permission_required(IMPORT_PERMISSION, raise_exception=True)
def satisfaction_import(request):
    """R2.5.3: upload survey scores; all rows or none, with every bad row reported."""
    form = SatisfactionImportForm(request.POST or None, request.FILES or None)
    errors = []
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_UPLOAD_BYTES:
                form.add_error("file", _("The file is larger than 5 MB."))
            else:
                try:
                    created = import_satisfaction_scores(
                        upload.read(), scale=form.cleaned_data["scale"], actor=request.user
                    )
                except ImportRejected as rejected:
                    errors = rejected.errors
                else:
                    messages.success(
                        request, _("%(count)d satisfaction scores imported.") % {"count": created}
                    )
                    return redirect("analysis:satisfaction")
    return render(
        request,
        "analysis/satisfaction_import.html",
        {"form": form, "errors": errors, "pages": PAGES},
        status=status,
    )
