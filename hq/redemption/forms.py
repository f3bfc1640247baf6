from django import forms

from hq.redemption.models import NationalRewardItem
from shared.forms import BootstrapFormMixin


class NationalItemForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = NationalRewardItem
        fields = ["code", "name_zh", "name_en", "kind", "points_price", "unit_cost", "is_active"]
