"""The audit trail: every view and change, who and when, never what (models,
services, the chain and its CLI). Its page for the people it concerns is in
portal/who_has_seen/."""
