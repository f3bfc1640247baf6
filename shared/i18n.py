"""Language choice: Chinese by default, English on request.

Django's LocaleMiddleware would follow the browser's Accept-Language header, so staff on an
English-language browser would land in English. The carrier's default is Chinese; only an
explicit choice (the language switch, stored in the language cookie) changes it.
"""

from django.conf import settings
from django.utils import translation


class TenantLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
