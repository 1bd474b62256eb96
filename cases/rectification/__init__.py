"""Rectification cases (整治案件): a confirmed lying-flat target's path from nomination to closure.

Models in `models.py` (listed in `cases/models.py` so that Django finds them), every write in a service module
(`services.py`, whose helpers the others share; `talk_services.py`, `period_services.py`, `visit_services.py`,
`circulars.py`, `assignment.py`), every read in `selectors.py`, roles only in `permissions.py`. The verification
guards the visits answer are in `verdicts.py`.
"""
