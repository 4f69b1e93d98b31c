from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lock-out check, marking the request when it refused an attempt without
    checking the password, so the security log can tell "blocked" from "failed"."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            # Not a web or API attempt (the test client's login(), a management command):
            # there is no client to lock out. Every sign-in path of the portal passes one.
            return None
        try:
            return super().authenticate(request, username=username, password=password, **kwargs)
        except AxesBackendPermissionDenied:
            if request is not None:
                request.qc_login_blocked = True
            raise
