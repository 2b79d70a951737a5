"""Serving an uploaded file that only some may read, once the view has checked who asks.

Behind nginx (MEDIA_ACCEL_REDIRECT_PREFIX set, e.g. "/protected-media/") the answer is empty and names the file in
X-Accel-Redirect: nginx sends it from an `internal` location, so the bytes never pass through daphne. Otherwise
(`make run`, the tests, another proxy) Django streams the file itself from the storage.
"""

import posixpath

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header


def protected_file_response(field_file, *, content_type: str) -> HttpResponse:
    filename = posixpath.basename(field_file.name)
    prefix = settings.MEDIA_ACCEL_REDIRECT_PREFIX
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix + field_file.name
        response["Content-Disposition"] = content_disposition_header(False, filename)
    else:
        response = FileResponse(field_file.open("rb"), content_type=content_type, filename=filename)
    # Never kept by a shared cache: the next person to ask may not be allowed to read it.
    response["Cache-Control"] = "private, no-store"
    return response
