"""The ceiling: a bare Flask app answering "hello", served by the same
gunicorn set-up as the portal, so the bench can say how much of the machine's
request rate the portal's pages keep."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
