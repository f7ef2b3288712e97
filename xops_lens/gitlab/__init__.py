"""The GitLab integration. ``runs``: the pipeline history (issue 16)."""
