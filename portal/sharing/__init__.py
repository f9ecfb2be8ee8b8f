from flask import Blueprint

bp = Blueprint("sharing", __name__)
