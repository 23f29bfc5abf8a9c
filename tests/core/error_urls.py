"""A test-only URLconf: the real routes plus views that crash on purpose, for the 500 tests.

Used with `@pytest.mark.urls("tests.core.error_urls")`. Django takes handler404/handler500 from the URLconf in
use, so they are repeated here.
"""

from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from config.urls import urlpatterns as real_urlpatterns

SECRET = "secret internals: password=hunter2"


@api_view(["GET"])
@permission_classes([AllowAny])
def drf_crash(request):
    raise RuntimeError(SECRET)


def django_crash(request):
    raise RuntimeError(SECRET)


urlpatterns = [
    path("api/_test/drf-crash/", drf_crash),
    path("api/_test/django-crash/", django_crash),
    *real_urlpatterns,
]

handler404 = "core.exceptions.handler404"
handler500 = "core.exceptions.handler500"
