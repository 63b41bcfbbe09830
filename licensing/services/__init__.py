"""Service functions: the single code path for every action with side effects.

Views, API views, admin actions and Celery tasks call these and nothing else to change
state. Each is keyword-only, runs in one transaction, locks what it changes, takes the
transition through portal.transitions.take (which audits), and queues side effects with
transaction.on_commit.
"""
