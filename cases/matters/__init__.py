"""Accountability matters (问责事项) and their fault-tolerance review (容错纠错).

A matter is received, applied for, accepted, investigated with the checklist of a pinned ruleset
(`cases.fault_tolerance`), recommended by the engine, decided by two different people, and closed once
its correction tasks (纠错) are verified. See docs in /work/shared/domain/FAULT_TOLERANCE.md.

Layers: models (fields, transitions), services and decision_services (every write), selectors (every read), permissions
(every role question), forms/views/urls (pages), documents (the decision letter), tasks (reminders).
"""
