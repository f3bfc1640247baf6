"""The province's form for splitting a target over its org units (R4.2.2); the rules are
in ``services.split_target``."""

from django import forms

from province.indicators.services import share_field
from shared.forms import BootstrapFormMixin


class SplitForm(BootstrapFormMixin, forms.Form):
    """One share field per unit under the parent (named as the service names its errors)."""

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        for unit in units:
            name = share_field(unit.pk)
            self.fields[name] = forms.DecimalField(
                label=unit.name, required=False, min_value=0, max_digits=20, decimal_places=4
            )
            # Added after BootstrapFormMixin styled the (then empty) form.
            self.fields[name].widget.attrs.update(
                {"aria-label": unit.name, "class": "form-control"}
            )

    def shares(self) -> dict[int, object]:
        return {int(name.removeprefix("unit_")): value for name, value in self.cleaned_data.items()}
