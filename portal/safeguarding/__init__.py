from flask import Blueprint

bp = Blueprint("safeguarding", __name__)
