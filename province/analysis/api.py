"""JSON API of the customer analysis (R2.5.1–R2.5.5): the same figures as the pages.

The views are thin: the shared filter form validates the query (bad input → 400 with a
message per field), the page's selector computes, and amounts come back as strings.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from province.analysis import selectors
from province.analysis.filters import AnalysisFilterForm, TopNForm
from province.customers.choices import CustomerLevel
from shared.api.permissions import requires
from shared.exports import jsonable

# Analysis figures are customer data: the same right as reading customers.
CanViewCustomers = requires("customers.view_customer")


def _param(name, description, type_=OpenApiTypes.STR, **kwargs):
    return OpenApiParameter(name, type_, OpenApiParameter.QUERY, description=description, **kwargs)


FILTER_PARAMETERS = [
    _param("period_from", "First month, YYYY-MM (default: 11 months before period_to)."),
    _param("period_to", "Last month, YYYY-MM (default: the current month)."),
    _param("city", "Customers of this city only."),
    _param("level", "Customers of this level only.", enum=CustomerLevel.values),
    _param("industry", "Customers of this industry section (GB/T 4754 letter) only."),
    _param(
        "account_manager", "Customers of this account manager (staff id) only.", OpenApiTypes.INT
    ),
    _param("under", "Customers served within this org unit's subtree (unit id).", OpenApiTypes.INT),
]


def _errors(form) -> dict:
    return {
        ("non_field_errors" if field == "__all__" else field): [str(e) for e in errors]
        for field, errors in form.errors.items()
    }


class _AnalysisView(APIView):
    permission_classes = [CanViewCustomers]
    compute = None

    def scope(self, request):
        form = AnalysisFilterForm(request.query_params, user=request.user)
        if not form.is_valid():
            raise ValidationError(_errors(form))
        return form.scope()

    def get(self, request):
        return Response(jsonable(type(self).compute(self.scope(request))))


@extend_schema(
    tags=["analysis"],
    summary="Customer composition (R2.5.1)",
    parameters=FILTER_PARAMETERS,
    responses={200: OpenApiTypes.OBJECT},
)
class CompositionView(_AnalysisView):
    compute = selectors.composition


@extend_schema(
    tags=["analysis"],
    summary="Business (product) composition (R2.5.2)",
    parameters=FILTER_PARAMETERS,
    responses={200: OpenApiTypes.OBJECT},
)
class ProductCompositionView(_AnalysisView):
    compute = selectors.product_composition


@extend_schema(
    tags=["analysis"],
    summary="Customer satisfaction (R2.5.3)",
    parameters=FILTER_PARAMETERS,
    responses={200: OpenApiTypes.OBJECT},
)
class SatisfactionView(_AnalysisView):
    compute = selectors.satisfaction


@extend_schema(
    tags=["analysis"],
    summary="Revenue and customer value (R2.5.4)",
    parameters=[
        *FILTER_PARAMETERS,
        _param("top", "How many top customers to list (1–500, default 20).", OpenApiTypes.INT),
    ],
    responses={200: OpenApiTypes.OBJECT},
)
class ValueView(_AnalysisView):
    def get(self, request):
        scope = self.scope(request)
        top = TopNForm(request.query_params)
        if not top.is_valid():
            raise ValidationError(_errors(top))
        top_n = top.cleaned_data.get("top") or selectors.DEFAULT_TOP_N
        return Response(jsonable(selectors.value(scope, top_n=top_n)))


@extend_schema(
    tags=["analysis"],
    summary="Product uptake and prices (R2.5.5)",
    parameters=FILTER_PARAMETERS,
    responses={200: OpenApiTypes.OBJECT},
)
class PricingView(_AnalysisView):
    compute = selectors.pricing
