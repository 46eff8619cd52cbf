"""The review desk's pages, one module per group.

login, queues, cases, decisions, people, search; ``deps`` holds what they share.
"""
