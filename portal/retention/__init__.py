"""How long the portal keeps what it keeps: what outlived its use is pruned
on a schedule (pruning.py), by the notify worker and by `flask retention
prune`, each run logged with counts only."""
