"""The REST API under /api/v1/ (Django REST framework), its OpenAPI schema, and firm API tokens.

- public, read-only register endpoints (views_register.py);
- the firm's own data, for its people (session) and its API tokens (views_firm.py);
- the regulator's casework, for signed-in staff with a second factor (views_staff.py).
Every change goes through the same service functions as the web UI; every error is one
problem document (portal.api_errors).
"""
