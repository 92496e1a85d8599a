"""Contents of sent mails deleted after the tenant's ``paper_contents_days`` (14), drafts after
``drafts_days``; proofs kept for theirs.

Owner: helper « lists ».
"""

JOBS: list = []
PERIODIC_JOBS: list = []
