"""Run history: what a CI provider recorded about past runs (issue 16).

The provider clients (``xops_lens.github.runs``, ``xops_lens.gitlab.runs``) list the runs
of the last ``cost.runs.days`` days and read each run's jobs, through one small
transport (``http``) and a cache of finished runs (``cache``); ``fetch`` drives them
with bounded concurrency; ``measure`` matches the runs to the scanned pipelines, jobs
and steps and turns them into the figures the cost model uses instead of assumptions.
Nothing here is imported unless ``scan --runs`` is given.
"""
