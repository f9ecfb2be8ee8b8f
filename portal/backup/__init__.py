"""`flask backup` and `flask restore`: a whole-database copy, and putting one back.

A backup holds every plan, every account's password hash and the audit record:
it is as sensitive as the database itself. Nothing here prints or logs row
content; the commands report counts only.
"""
