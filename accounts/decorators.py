"""View decorators that ask accounts/roles.py. A staff page someone may not use answers 404,
as if it did not exist; someone not signed in is sent to the staff sign-in."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from . import roles


def role_required(predicate):
    """Let the view run only for a signed-in user for whom `predicate(user)` is true."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not predicate(request.user):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


portal_member_required = role_required(roles.may_use_portal)
