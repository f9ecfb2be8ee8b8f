"""What leaves the portal as a file: the circle as FHIR R4 for the clinic's
record (fhir.py), built only from what the policy lets the reader see."""

from flask import Blueprint

bp = Blueprint("export", __name__)
