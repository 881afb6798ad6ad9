"""The original design this project replaces: a Flask app answering / and /hello.

Run the way its users run it: under gunicorn with its default sync workers,
(2 x cores) + 1 of them, as gunicorn's documentation recommends (see run.sh).
"""
from flask import Flask

app = Flask(__name__)


@app.route("/")
@app.route("/hello")
def hello():
    return "Hello world", 200, {"Content-Type": "text/plain; charset=utf-8"}
