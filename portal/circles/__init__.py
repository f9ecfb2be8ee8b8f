from flask import Blueprint

bp = Blueprint("circles", __name__)
