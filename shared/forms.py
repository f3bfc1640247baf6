"""Form helpers shared by every app's HTML forms."""

from django import forms


class BootstrapFormMixin:
    """Gives each widget its Bootstrap class (and ``is-invalid`` once the form has errors),
    so templates render fields with ``{{ field }}`` and keep Django's own value formatting
    (dates as ISO for ``<input type=date>``, selected options, …)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
