from flask import Blueprint

bp = Blueprint("safeguarding", __name__)

# services.py registers the dashboard item and the scheduler's step when it is
# imported, which routes.py does as create_app loads it. Not imported here:
# portal/access/queries.py reads this package's models, and services reads the queries.
