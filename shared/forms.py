"""Form helpers shared by every app's HTML forms."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext as _

from shared.errors import Conflict


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


def apply_service(form, call):
    """Run a service for a submitted form and return its result, or None on failure.

    The service's field errors land on the form's fields (unknown fields become form-wide
    errors); a Conflict becomes a form-wide error, with a link to the clashing record when
    the service names one. Views then simply re-render the form.
    """
    try:
        return call()
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):  # a plain message: form-wide
            form.add_error(None, exc.messages)
            return None
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    except Conflict as exc:
        message = str(exc.message)
        if exc.link:
            message = format_html('{} <a href="{}">{}</a>', message, exc.link, _("Open it"))
        form.add_error(None, message)
    return None
