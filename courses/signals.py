"""Signals courses sends for apps that build on it (courses imports none of them)."""

from django.dispatch import Signal

# Sent inside the transaction of an offering's save() when fields people plan around changed:
# offering_changed.send(sender=Offering, offering=..., changes={field: (old, new)}).
offering_changed = Signal()
