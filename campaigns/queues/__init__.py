"""Social workers' queues: opening call, visit and DSF tasks in the right structure, reservations and outcomes,
referent attribution and its rules (data), reassignment, the task, household and team views, the printed round of
visits.

May import: campaigns.planning, campaigns.accounts, campaigns.messages and the layers below.
"""
