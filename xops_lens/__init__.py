"""xops-lens: what in your CI/CD could a model do, and what would it save."""

__version__ = "0.1.0"
