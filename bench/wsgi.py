"""The portal as the bench serves it: the production app, exactly as a
deployment runs it. Nothing is added to the requests being timed; the SQL
statements are counted in a pass of their own (bench/statements.py)."""

from portal import create_app

app = create_app()
