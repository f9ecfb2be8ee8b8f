"""The access policy and everything that loads data through it."""
