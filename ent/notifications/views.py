from django.http import HttpRequest, HttpResponse  # noqa: F401  # F401: the app fills its views in
