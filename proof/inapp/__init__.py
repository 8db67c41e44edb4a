"""Programs the harness runs inside the site's Django, as modules rather than code in strings.

    python -m proof.inapp <module> <function> < arguments.json

(proof.stack.run_inapp and Stack.inapp do that in a stack's environment.) It calls
proof/inapp/<module>.py's <function>(**arguments) and prints what it returns as one line of
JSON. Importing this package sets Django up (DJANGO_SETTINGS_MODULE, default
helpportal.settings), so each module imports the app's models at its top.

These modules are the only place in proof/ (and in the harness as a whole) that imports the
app's models; the rest talks to the site over HTTP, SQL or these programs.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpportal.settings")
django.setup()
