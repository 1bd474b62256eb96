"""Rectification cases (整治案件): a confirmed lying-flat target's path from nomination to closure.

Models in `models.py` (listed in `cases/models.py` so that Django finds them), every write in
`services.py`, every read in `selectors.py`, roles only in `permissions.py`. Visits and circulars come
later: the verification guards they will answer are hooks in `verdicts.py`.
"""
