"""The portal's URLs plus two views that fail with an exception whose text looks like SQL."""

from django.urls import path

from qc_portal.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401


def boom(request):
    raise RuntimeError('SELECT "password" FROM "auth_user" WHERE secret = 42')


urlpatterns = [path("boom/", boom), path("api/v1/boom/", boom), *urlpatterns]
