"""`chaine`, the command line in French (docs/cli.md): one module per area, main.py maps the commands.

May import: every package of campaigns (never the web application: the server starts from uvicorn's factory).
"""
