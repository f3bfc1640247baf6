"""The UI shell: base templates, navigation per tenant type, context processors."""
