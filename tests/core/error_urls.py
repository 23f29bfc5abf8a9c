"""A test-only URLconf: the real routes plus views that fail on purpose (500s, a Django ValidationError).

Used with `@pytest.mark.urls("tests.core.error_urls")`. Django takes handler404/handler500 from the URLconf in
use, so they are repeated here.
"""

from django.core.exceptions import ValidationError
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


@api_view(["POST"])
@permission_classes([AllowAny])
def model_validation(request):
    # What a service calling `full_clean()` raises.
    raise ValidationError({"code": ["Code must be upper case."]})


urlpatterns = [
    path("api/_test/drf-crash/", drf_crash),
    path("api/_test/django-crash/", django_crash),
    path("api/_test/model-validation/", model_validation),
    *real_urlpatterns,
]

handler400 = "core.exceptions.handler400"
handler404 = "core.exceptions.handler404"
handler500 = "core.exceptions.handler500"
