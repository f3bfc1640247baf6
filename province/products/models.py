"""The product list (R7.1, minimal): code, name, category, list price and life-cycle state.

National products will arrive from HQ as a standard (issue 5); full product management
(offers, forecasts, life cycle) is R7's own work.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from province.products.choices import ProductCategory, ProductStatus
from shared.models import TrackedModel
from shared.scoping import ScopedManager


class Product(TrackedModel):
    """A product or service customers can subscribe to."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=16, choices=ProductCategory.choices)
    monthly_price = models.DecimalField(_("monthly list price"), max_digits=14, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=16, choices=ProductStatus.choices, default=ProductStatus.LAUNCHED
    )
    is_national = models.BooleanField(_("national product"), default=False)

    objects = ScopedManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def visibility_filter(cls, user) -> Q:
        return Q()  # the product list is public within the province
