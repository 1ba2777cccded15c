"""Deploying to named environments: plan, guards, promote, and roll an environment back."""
