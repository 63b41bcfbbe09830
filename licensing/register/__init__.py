"""The public register: what anyone may see about a firm, with no sign-in.

`queries.py` is the one definition of what is public; the register pages, the CSV and JSON
downloads and the public API endpoints all read through it.
"""
